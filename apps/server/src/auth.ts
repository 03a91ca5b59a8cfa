import { timingSafeEqual } from "node:crypto";
import type { Account } from "@leakguard/domain";
import {
  API_KEY_PREFIX,
  activeApiKey,
  getAccount,
  liveSession,
  type Queryable,
  sha256Hex,
} from "@leakguard/store";
import type { ApiCode } from "./errors.js";

export { sha256Hex };

/** The browser's session cookie: HttpOnly, so no script of the page (nor anything injected) can read it. */
export const SESSION_COOKIE = "lg_session";
/** The header a browser signed in by cookie sends its CSRF token in, on every write. */
export const CSRF_HEADER = "x-csrf-token";

/**
 * Who is calling: the platform itself (server to server, with a key from the
 * environment or one made at `POST /v1/api-keys`), possibly acting as one of
 * its users, or a person signed in with a session (always themselves), by
 * bearer token or by the browser's cookie.
 */
export type Caller =
  | { kind: "platform"; actingAs: Account | null; apiKeyId: string | null }
  | { kind: "session"; actingAs: Account; token: string; via: "bearer" | "cookie" };

export type AuthResult = { ok: true; caller: Caller } | { ok: false; code: ApiCode; message: string };

/** What authentication reads of a request. */
export interface Credentials {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  cookies?: Record<string, string | undefined>;
}

function keyMatches(key: string, hashes: readonly string[]): boolean {
  const digest = Buffer.from(sha256Hex(key), "hex");
  // Every hash is compared (in constant time each) so the answer's timing does not say which one matched.
  let found = false;
  for (const h of hashes) if (timingSafeEqual(digest, Buffer.from(h, "hex"))) found = true;
  return found;
}

const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

function sameHash(secret: string, hexHash: string): boolean {
  const a = Buffer.from(sha256Hex(secret), "hex");
  const b = Buffer.from(hexHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `Authorization: Bearer <secret>` first: a session token (`lgs_…`, from
 * `POST /v1/sessions`) is its person; a platform API key (from the
 * environment's hashes, or an active `lgk_…` key from the database) may act
 * as any user named in `Leakguard-Act-As`. Without that header, the
 * `lg_session` cookie: the browser's session, which must send its CSRF token
 * in `X-CSRF-Token` on anything but GET, HEAD and OPTIONS, since a browser
 * attaches cookies to requests other sites make it send (a bearer header it
 * never adds by itself, so those need no token).
 */
export async function authenticate(
  db: Queryable,
  request: Credentials,
  apiKeyHashes: readonly string[],
  now: Date,
  /** How the account in Leakguard-Act-As is read: getAccount unless the route reads it from a cache. */
  accountOf: (id: string) => Promise<Account | null> = (id) => getAccount(db, id),
): Promise<AuthResult> {
  const { headers } = request;
  const auth = headers.authorization;
  const cookie = request.cookies?.[SESSION_COOKIE];
  const bearer = typeof auth === "string" && auth.startsWith("Bearer ");
  if (!bearer && (cookie === undefined || cookie === ""))
    return {
      ok: false,
      code: "unauthenticated",
      message: "send an API key or a session token as `Authorization: Bearer <token>`, or sign in",
    };
  const secret = bearer ? auth.slice("Bearer ".length).trim() : (cookie ?? "");
  if (secret.startsWith("lgs_") || !bearer) {
    const session = await liveSession(db, secret, now);
    const account = session === null ? null : await getAccount(db, session.accountId);
    if (session === null || account === null)
      return { ok: false, code: "unauthenticated", message: "the session has ended; sign in again" };
    if (headers["leakguard-act-as"] !== undefined && headers["leakguard-act-as"] !== account.id)
      return { ok: false, code: "forbidden", message: "a session acts only as its own account" };
    if (!bearer && !SAFE_METHODS.has(request.method)) {
      const sent = headers[CSRF_HEADER];
      if (typeof sent !== "string" || session.csrfHash === null || !sameHash(sent, session.csrfHash))
        return {
          ok: false,
          code: "csrf_token_invalid",
          message:
            "a write signed in by cookie sends the session's CSRF token (from POST /v1/sessions) in X-CSRF-Token",
        };
    }
    return {
      ok: true,
      caller: { kind: "session", actingAs: account, token: secret, via: bearer ? "bearer" : "cookie" },
    };
  }
  let apiKeyId: string | null = null;
  if (!keyMatches(secret, apiKeyHashes)) {
    const stored = secret.startsWith(API_KEY_PREFIX) ? await activeApiKey(db, secret, now) : null;
    if (stored === null) return { ok: false, code: "unauthenticated", message: "the API key is not known" };
    apiKeyId = stored.id;
  }
  const actAs = headers["leakguard-act-as"];
  if (actAs === undefined) return { ok: true, caller: { kind: "platform", actingAs: null, apiKeyId } };
  if (typeof actAs !== "string" || actAs === "")
    return { ok: false, code: "invalid_request", message: "Leakguard-Act-As names one account id" };
  const account = await accountOf(actAs);
  if (account === null)
    return { ok: false, code: "account_not_found", message: `Leakguard-Act-As names no account ${actAs}` };
  return { ok: true, caller: { kind: "platform", actingAs: account, apiKeyId } };
}
