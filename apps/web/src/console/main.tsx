import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { client, loadSession, type Session, saveSession, signOut } from "../shared/api.js";
import { useHashRoute } from "../shared/hooks.js";
import { SignIn } from "../shared/SignIn.js";
import "../shared/styles.css";
import { Appeals } from "./Appeals.js";
import { CasePage } from "./CasePage.js";
import { Dashboard } from "./Dashboard.js";
import { PolicyPage } from "./PolicyPage.js";
import { Queue } from "./Queue.js";
import { Reports } from "./Reports.js";

function Console() {
  const [session, setSession] = useState<Session | null>(() => loadSession("console"));
  const [route] = useHashRoute();
  if (session === null)
    return (
      <SignIn
        title="Trust & Safety console"
        hint="Sign in as an agent or admin. The demo seeds agt_tess with the password printed by npm start."
        defaultAccount="agt_tess"
        allowRoles={["agent", "admin"]}
        onSignedIn={(s) => {
          saveSession("console", s);
          setSession(s);
        }}
      />
    );
  const api = client(session.token);
  const caseMatch = /^\/cases\/([^/]+)$/.exec(route);
  return (
    <>
      <header className="top">
        <strong>Leakguard console</strong>
        <nav aria-label="Console">
          <a href="#/">Queue</a>
          <a href="#/dashboard">Dashboard</a>
          <a href="#/policy">Policy</a>
          <a href="#/appeals">Appeals</a>
          <a href="#/reports">Reports</a>
        </nav>
        <span className="who">
          {session.displayName} ({session.role}){" "}
          <button
            type="button"
            className="secondary"
            onClick={() => {
              void signOut(session.token);
              saveSession("console", null);
              setSession(null);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      {caseMatch?.[1] !== undefined ? (
        <CasePage api={api} me={session} caseId={decodeURIComponent(caseMatch[1])} />
      ) : route === "/appeals" ? (
        <Appeals api={api} me={session} />
      ) : route === "/reports" ? (
        <Reports api={api} />
      ) : route === "/dashboard" ? (
        <Dashboard api={api} />
      ) : route === "/policy" ? (
        <PolicyPage api={api} />
      ) : (
        <Queue api={api} me={session} />
      )}
    </>
  );
}

const root = document.getElementById("root");
if (root !== null)
  createRoot(root).render(
    <StrictMode>
      <Console />
    </StrictMode>,
  );
