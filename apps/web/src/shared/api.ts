/**
 * The public API, as the pages call it: a session token from sign-in in
 * `Authorization: Bearer`, JSON both ways, errors as `ApiError` with the
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

export interface Session {
  token: string;
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
    return JSON.parse(raw) as Session;
  } catch {
    return null;
  }
}

export function saveSession(app: string, session: Session | null): void {
  if (session === null) sessionStorage.removeItem(KEY(app));
  else sessionStorage.setItem(KEY(app), JSON.stringify(session));
}

async function call<T>(
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  key?: string,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  if (key !== undefined) headers["idempotency-key"] = key;
  const res = await fetch(path, {
    method,
    headers,
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

export function client(token: string | null) {
  return {
    get: <T>(path: string) => call<T>("GET", path, token),
    post: <T>(path: string, body?: unknown, key?: string) => call<T>("POST", path, token, body, key),
    del: <T>(path: string) => call<T>("DELETE", path, token),
  };
}

export type Client = ReturnType<typeof client>;

/** Signs in and reads who it is. */
export async function signIn(accountId: string, password: string): Promise<Session> {
  const { token } = await call<{ token: string }>("POST", "/v1/sessions", null, { accountId, password });
  const me = await call<{ id: string; role: string; displayName: string }>(
    "GET",
    `/v1/accounts/${encodeURIComponent(accountId)}`,
    token,
  );
  return { token, accountId: me.id, role: me.role, displayName: me.displayName };
}

export function signOut(token: string): Promise<unknown> {
  return call("DELETE", "/v1/sessions/current", token).catch(() => undefined);
}
