import { createHash, timingSafeEqual } from "node:crypto";
import type { Account } from "@leakguard/domain";
import { getAccount, type Queryable, sessionAccount } from "@leakguard/store";
import type { ApiCode } from "./errors.js";

export const sha256Hex = (secret: string): string => createHash("sha256").update(secret).digest("hex");

/**
 * Who is calling: the platform itself (server to server), possibly acting as
 * one of its users, or a person signed in with a session (always themselves).
 */
export type Caller = { kind: "platform"; actingAs: Account | null } | { kind: "session"; actingAs: Account };

export type AuthResult = { ok: true; caller: Caller } | { ok: false; code: ApiCode; message: string };

function keyMatches(key: string, hashes: readonly string[]): boolean {
  const digest = Buffer.from(sha256Hex(key), "hex");
  // Every hash is compared (in constant time each) so the answer's timing does not say which one matched.
  let found = false;
  for (const h of hashes) if (timingSafeEqual(digest, Buffer.from(h, "hex"))) found = true;
  return found;
}

/**
 * A platform API key comes as `Authorization: Bearer <key>`; it may act as
 * any user by naming it in `Leakguard-Act-As`. A session token (`lgs_…`, from
 * `POST /v1/sessions`) comes the same way and is its person.
 */
export async function authenticate(
  db: Queryable,
  headers: Record<string, string | string[] | undefined>,
  apiKeyHashes: readonly string[],
  now: Date,
): Promise<AuthResult> {
  const auth = headers.authorization;
  if (typeof auth !== "string" || !auth.startsWith("Bearer "))
    return {
      ok: false,
      code: "unauthenticated",
      message: "send an API key or a session token as `Authorization: Bearer <token>`",
    };
  const secret = auth.slice("Bearer ".length).trim();
  if (secret.startsWith("lgs_")) {
    const accountId = await sessionAccount(db, secret, now);
    const account = accountId === null ? null : await getAccount(db, accountId);
    if (account === null)
      return { ok: false, code: "unauthenticated", message: "the session has ended; sign in again" };
    if (headers["leakguard-act-as"] !== undefined && headers["leakguard-act-as"] !== account.id)
      return { ok: false, code: "forbidden", message: "a session acts only as its own account" };
    return { ok: true, caller: { kind: "session", actingAs: account } };
  }
  if (!keyMatches(secret, apiKeyHashes))
    return { ok: false, code: "unauthenticated", message: "the API key is not known" };
  const actAs = headers["leakguard-act-as"];
  if (actAs === undefined) return { ok: true, caller: { kind: "platform", actingAs: null } };
  if (typeof actAs !== "string" || actAs === "")
    return { ok: false, code: "invalid_request", message: "Leakguard-Act-As names one account id" };
  const account = await getAccount(db, actAs);
  if (account === null)
    return { ok: false, code: "account_not_found", message: `Leakguard-Act-As names no account ${actAs}` };
  return { ok: true, caller: { kind: "platform", actingAs: account } };
}
