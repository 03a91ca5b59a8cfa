import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { client, loadSession, type Session, saveSession, signOut } from "../shared/api.js";
import { useHashRoute } from "../shared/hooks.js";
import { SignIn } from "../shared/SignIn.js";
import "../shared/styles.css";
import { Contracts } from "./Contracts.js";
import { Conversation, Conversations } from "./Conversations.js";
import { Notices } from "./Notices.js";

function DemoApp() {
  const [session, setSession] = useState<Session | null>(() => loadSession("app"));
  const [route] = useHashRoute();
  if (session === null)
    return (
      <SignIn
        title="Demo marketplace"
        hint="Sign in as a seeded client (cli_ana, cli_ben) or freelancer (fre_maya, fre_omar) with the demo password printed by npm start."
        allowRoles={["client", "freelancer"]}
        onSignedIn={(s) => {
          saveSession("app", s);
          setSession(s);
        }}
      />
    );
  const api = client(session.token);
  const pair = /^\/conversations\/([^/]+)$/.exec(route);
  return (
    <>
      <header className="top">
        <strong>Demo marketplace</strong>
        <nav aria-label="Marketplace">
          <a href="#/">Conversations</a>
          <a href="#/contracts">Contracts</a>
          <a href="#/notices">Notices</a>
        </nav>
        <span className="who">
          {session.displayName} ({session.role}){" "}
          <button
            type="button"
            className="secondary"
            onClick={() => {
              void signOut(session.token);
              saveSession("app", null);
              setSession(null);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      {pair?.[1] !== undefined ? (
        <Conversation api={api} me={session} relationshipId={decodeURIComponent(pair[1])} />
      ) : route === "/contracts" ? (
        <Contracts api={api} me={session} />
      ) : route === "/notices" ? (
        <Notices api={api} me={session} />
      ) : (
        <Conversations api={api} me={session} />
      )}
    </>
  );
}

const root = document.getElementById("root");
if (root !== null)
  createRoot(root).render(
    <StrictMode>
      <DemoApp />
    </StrictMode>,
  );
