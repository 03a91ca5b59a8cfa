/**
 * The public API, as the pages call it: the session is the server's
 * `lg_session` cookie (HttpOnly, so no script here can read or leak it), sent
 * by the browser on same-origin calls; every write carries the session's CSRF
 * token in `X-CSRF-Token`. JSON both ways, errors as `ApiError` with the
 * server's stable code and message (shown to the user as they are).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Who is signed in in this tab, and the CSRF token of their session; never the session's secret. */
export interface Session {
  csrfToken: string;
  accountId: string;
  role: string;
  displayName: string;
}

const KEY = (app: string) => `leakguard.${app}.session`;

/** The session of this tab, if any (sessionStorage: it ends with the tab). */
export function loadSession(app: string): Session | null {
  const raw = sessionStorage.getItem(KEY(app));
  if (raw === null) return null;
  try {
    const s = JSON.parse(raw) as Partial<Session>;
    // One stored by an older build (with a bearer token and no CSRF token) means signing in again.
    return typeof s.csrfToken === "string" ? (s as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(app: string, session: Session | null): void {
  if (session === null) sessionStorage.removeItem(KEY(app));
  else sessionStorage.setItem(KEY(app), JSON.stringify(session));
}

const SAFE = new Set(["GET", "HEAD"]);

async function call<T>(
  method: string,
  path: string,
  session: Pick<Session, "csrfToken" | "accountId"> | null,
  body?: unknown,
  key?: string,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (session !== null) {
    if (!SAFE.has(method)) headers["x-csrf-token"] = session.csrfToken;
    // The cookie is shared by the site's pages: if another tab signed in as someone else, the server
    // refuses (403) rather than let this tab act as that other person.
    headers["leakguard-act-as"] = session.accountId;
  }
  if (body !== undefined) headers["content-type"] = "application/json";
  if (key !== undefined) headers["idempotency-key"] = key;
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json: unknown = text === "" ? null : JSON.parse(text);
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      res.status,
      error?.code ?? "http_error",
      error?.message ?? `the server answered ${res.status}`,
    );
  }
  return json as T;
}

/** A random key for a write that must happen once, however often it is retried. */
export function newKey(): string {
  return crypto.randomUUID();
}

export function client(session: Pick<Session, "csrfToken" | "accountId"> | null) {
  return {
    get: <T>(path: string) => call<T>("GET", path, session),
    post: <T>(path: string, body?: unknown, key?: string) => call<T>("POST", path, session, body, key),
    del: <T>(path: string) => call<T>("DELETE", path, session),
  };
}

export type Client = ReturnType<typeof client>;

/** Signs in (the server sets the cookie) and reads who it is. */
export async function signIn(accountId: string, password: string): Promise<Session> {
  const { csrfToken } = await call<{ csrfToken: string }>("POST", "/v1/sessions", null, {
    accountId,
    password,
  });
  const me = await call<{ id: string; role: string; displayName: string }>(
    "GET",
    `/v1/accounts/${encodeURIComponent(accountId)}`,
    { csrfToken, accountId },
  );
  return { csrfToken, accountId: me.id, role: me.role, displayName: me.displayName };
}

/** Ends the session on the server, which also clears the cookie. */
export function signOut(session: Pick<Session, "csrfToken" | "accountId">): Promise<unknown> {
  return call("DELETE", "/v1/sessions/current", session).catch(() => undefined);
}
