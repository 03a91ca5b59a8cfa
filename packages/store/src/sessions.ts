import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { err, ok, type Result } from "@leakguard/domain";
import { hash as argon2Hash, verify as argon2Verify, parseOptions } from "@node-rs/argon2";
import type { Queryable } from "./db.js";

export type SessionCode = "invalid_password" | "wrong_credentials";

/**
 * Argon2id with OWASP's first recommended setting (m = 19 MiB, t = 2, p = 1):
 * memory-hard against GPU guessing, and on this machine no slower than the
 * scrypt (N = 2^14, r = 8) it replaces, so a burst of sign-ins costs what it
 * did. It runs on libuv's thread pool, off the event loop. The binding ships
 * prebuilt (N-API, per platform as an optional dependency): no build script.
 * A stored hash made with weaker settings is remade at the next sign-in.
 */
export const ARGON2ID = Object.freeze({
  algorithm: 2, // Algorithm.Argon2id (a const enum, which isolated modules cannot import)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

// Hashes from before argon2id: Node's scrypt. They still verify, and are upgraded on the next sign-in.
const SCRYPT_KEY_LENGTH = 32;
const SCRYPT_COST = { N: 16_384, r: 8, p: 1 };

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, SCRYPT_KEY_LENGTH, SCRYPT_COST, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

/** The legacy format (`scrypt$salt$hash`), kept so tests can make one and prove it is upgraded. */
export async function scryptHash(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString("base64url")}$${(await scryptAsync(password, salt)).toString("base64url")}`;
}

export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password, ARGON2ID);
}

/** Whether `password` matches the stored hash, and whether that hash should be remade with today's settings. */
export async function checkPassword(
  password: string,
  stored: string,
): Promise<{ matches: boolean; rehash: boolean }> {
  if (stored.startsWith("$argon2")) {
    let matches: boolean;
    try {
      matches = await argon2Verify(stored, password);
    } catch {
      return { matches: false, rehash: false };
    }
    const p = parseOptions(stored);
    const weaker =
      Number(p.algorithm) !== ARGON2ID.algorithm ||
      p.memoryCost < ARGON2ID.memoryCost ||
      p.timeCost < ARGON2ID.timeCost;
    return { matches, rehash: matches && weaker };
  }
  const [scheme, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || salt === undefined || hash === undefined)
    return { matches: false, rehash: false };
  const expected = Buffer.from(hash, "base64url");
  const actual = await scryptAsync(password, Buffer.from(salt, "base64url"));
  const matches = actual.length === expected.length && timingSafeEqual(actual, expected);
  return { matches, rehash: matches };
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

export const sha256Hex = (secret: string): string => createHash("sha256").update(secret).digest("hex");

export interface NewSession {
  /** `lgs_…`: the session's secret, for the `lg_session` cookie or `Authorization: Bearer`. */
  token: string;
  /** Sent back in `X-CSRF-Token` by a browser writing with the cookie. */
  csrfToken: string;
  expiresAt: Date;
}

/**
 * Signs a person in: the password is checked against its hash and a new
 * session returned; its token and CSRF token are kept only as hashes. A wrong
 * id and a wrong password get the same answer. A hash of an older kind or
 * weaker settings is remade now, while the password is at hand.
 */
export async function signIn(
  db: Queryable,
  accountId: string,
  password: string,
  now: Date,
  ttlHours = 12,
): Promise<Result<NewSession, SessionCode>> {
  const row = (
    await db.query<{ password_hash: string }>("SELECT password_hash FROM credentials WHERE account_id = $1", [
      accountId,
    ])
  ).rows[0];
  const check = row === undefined ? null : await checkPassword(password, row.password_hash);
  if (row === undefined || check === null || !check.matches)
    return err("wrong_credentials", "the account id or the password is wrong");
  if (check.rehash)
    // Only if the hash is still the one checked: a password changed meanwhile is not overwritten.
    await db.query(
      "UPDATE credentials SET password_hash = $3, updated_at = now() WHERE account_id = $1 AND password_hash = $2",
      [accountId, row.password_hash, await hashPassword(password)],
    );
  const token = `lgs_${randomBytes(24).toString("base64url")}`;
  const csrfToken = randomBytes(24).toString("base64url");
  const expiresAt = new Date(now.getTime() + ttlHours * 3_600_000);
  await db.query(
    "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, csrf_hash) VALUES ($1, $2, $3, $4, $5)",
    [sha256Hex(token), accountId, now, expiresAt, sha256Hex(csrfToken)],
  );
  return ok({ token, csrfToken, expiresAt });
}

/** A live session: its person and the hash of its CSRF token (null for sessions from before CSRF tokens). */
export interface LiveSession {
  accountId: string;
  csrfHash: string | null;
}

export async function liveSession(db: Queryable, token: string, now: Date): Promise<LiveSession | null> {
  const row = (
    await db.query<{ account_id: string; csrf_hash: string | null }>(
      "SELECT account_id, csrf_hash FROM sessions WHERE token_hash = $1 AND expires_at > $2",
      [sha256Hex(token), now],
    )
  ).rows[0];
  return row === undefined ? null : { accountId: row.account_id, csrfHash: row.csrf_hash };
}

/** The account a live session token belongs to, or null. */
export async function sessionAccount(db: Queryable, token: string, now: Date): Promise<string | null> {
  return (await liveSession(db, token, now))?.accountId ?? null;
}

/** Ends a session; ending it again is fine. */
export async function signOut(db: Queryable, token: string): Promise<void> {
  await db.query("DELETE FROM sessions WHERE token_hash = $1", [sha256Hex(token)]);
}
