import { type ReactNode, StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { type Client, client, loadSession, type Session, saveSession, signOut } from "./api.js";
import { useHashRoute } from "./hooks.js";
import { SignIn } from "./SignIn.js";

interface ShellProps {
  /** Names the tab's stored session ("console", "app"): each page signs in on its own. */
  app: string;
  brand: string;
  nav: readonly (readonly [href: string, label: string])[];
  signIn: { title: string; hint: string; defaultAccount?: string; allowRoles: readonly string[] };
  /** The page for the route (the URL after `#`), for the signed-in person. */
  page: (route: string, api: Client, me: Session) => ReactNode;
}

/** A page of ours: sign-in until signed in, then a header with the nav and sign-out above the routed page. */
function Shell(props: ShellProps) {
  const [session, setSession] = useState<Session | null>(() => loadSession(props.app));
  const [route] = useHashRoute();
  if (session === null)
    return (
      <SignIn
        {...props.signIn}
        onSignedIn={(s) => {
          saveSession(props.app, s);
          setSession(s);
        }}
      />
    );
  return (
    <>
      <header className="top">
        <strong>{props.brand}</strong>
        <nav aria-label={props.brand}>
          {props.nav.map(([href, label]) => (
            <a key={href} href={href}>
              {label}
            </a>
          ))}
        </nav>
        <span className="who">
          {session.displayName} ({session.role}){" "}
          <button
            type="button"
            className="secondary"
            onClick={() => {
              void signOut(session);
              saveSession(props.app, null);
              setSession(null);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      {props.page(route, client(session), session)}
    </>
  );
}

/** Renders a page into #root. */
export function mount(props: ShellProps): void {
  const root = document.getElementById("root");
  if (root !== null)
    createRoot(root).render(
      <StrictMode>
        <Shell {...props} />
      </StrictMode>,
    );
}
