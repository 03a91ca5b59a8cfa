import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { err, ok, type Result } from "@leakguard/domain";
import type { Queryable } from "./db.js";

export type SessionCode = "invalid_password" | "wrong_credentials";

// scrypt from Node's crypto: a memory-hard password hash with no native add-on to build.
const KEY_LENGTH = 32;
const COST = { N: 16_384, r: 8, p: 1 };

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, COST, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString("base64url")}$${(await scryptAsync(password, salt)).toString("base64url")}`;
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await scryptAsync(password, Buffer.from(salt, "base64url"));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Sets (or replaces) an account's password; 10 to 200 characters. */
export async function setPassword(
  db: Queryable,
  accountId: string,
  password: string,
): Promise<Result<true, SessionCode>> {
  if (password.length < 10 || password.length > 200)
    return err("invalid_password", "a password has 10 to 200 characters");
  await db.query(
    `INSERT INTO credentials (account_id, password_hash) VALUES ($1, $2)
     ON CONFLICT (account_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, updated_at = now()`,
    [accountId, await hashPassword(password)],
  );
  return ok(true);
}

const tokenHash = (token: string): string => createHash("sha256").update(token).digest("hex");

/**
 * Signs a person in: the password is checked against its hash and a new
 * session token returned (kept only as its hash). A wrong id and a wrong
 * password get the same answer.
 */
export async function signIn(
  db: Queryable,
  accountId: string,
  password: string,
  now: Date,
  ttlHours = 12,
): Promise<Result<{ token: string; expiresAt: Date }, SessionCode>> {
  const row = (
    await db.query<{ password_hash: string }>("SELECT password_hash FROM credentials WHERE account_id = $1", [
      accountId,
    ])
  ).rows[0];
  if (row === undefined || !(await passwordMatches(password, row.password_hash)))
    return err("wrong_credentials", "the account id or the password is wrong");
  const token = `lgs_${randomBytes(24).toString("base64url")}`;
  const expiresAt = new Date(now.getTime() + ttlHours * 3_600_000);
  await db.query(
    "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    [tokenHash(token), accountId, now, expiresAt],
  );
  return ok({ token, expiresAt });
}

/** The account a live session token belongs to, or null. */
export async function sessionAccount(db: Queryable, token: string, now: Date): Promise<string | null> {
  const row = (
    await db.query<{ account_id: string }>(
      "SELECT account_id FROM sessions WHERE token_hash = $1 AND expires_at > $2",
      [tokenHash(token), now],
    )
  ).rows[0];
  return row?.account_id ?? null;
}

/** Ends a session; ending it again is fine. */
export async function signOut(db: Queryable, token: string): Promise<void> {
  await db.query("DELETE FROM sessions WHERE token_hash = $1", [tokenHash(token)]);
}
