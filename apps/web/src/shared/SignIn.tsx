import { type FormEvent, useState } from "react";
import { Alert } from "./Alert.js";
import { ApiError, type Session, signIn, signOut } from "./api.js";

/** A sign-in form: account id and password, with the server's error shown as it is. */
export function SignIn(props: {
  title: string;
  hint: string;
  defaultAccount?: string;
  allowRoles?: readonly string[];
  onSignedIn: (s: Session) => void;
}) {
  const [accountId, setAccountId] = useState(props.defaultAccount ?? "");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(accountId.trim(), password);
      if (props.allowRoles !== undefined && !props.allowRoles.includes(session.role)) {
        // The server set the cookie already: end that session, this page will not use it.
        await signOut(session);
        setError(
          `${session.accountId} is a ${session.role}: this page is for ${props.allowRoles.join(" and ")} accounts`,
        );
        return;
      }
      props.onSignedIn(session);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "could not reach the server");
    } finally {
      setBusy(false);
    }
  };
  return (
    <main>
      <h1>{props.title}</h1>
      <form className="card" onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <p className="muted">{props.hint}</p>
        <div className="row">
          <label>
            Account id
            <input
              name="accountId"
              autoComplete="username"
              required
              value={accountId}
              onChange={(e) => setAccountId(e.target.value)}
            />
          </label>
          <label>
            Password
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </div>
        <Alert error={error} />
      </form>
    </main>
  );
}
