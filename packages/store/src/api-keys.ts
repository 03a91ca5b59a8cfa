import { randomBytes, randomUUID } from "node:crypto";
import { err, ok, type Result } from "@leakguard/domain";
import type { Queryable } from "./db.js";
import { sha256Hex } from "./sessions.js";

export type ApiKeyCode = "api_key_not_found" | "invalid_api_key_name";

/** An API key as it is listed: never its secret, which is shown once at creation and not kept. */
export interface ApiKey {
  id: string;
  name: string;
  /** The key's first characters (`lgk_` and 8 more), to tell keys apart in lists and logs. */
  prefix: string;
  createdBy: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** Every key made here starts so: the server looks a bearer secret up in the database only when it does. */
export const API_KEY_PREFIX = "lgk_";
const VISIBLE_CHARS = API_KEY_PREFIX.length + 8;

interface ApiKeyRow extends Record<string, unknown> {
  id: string;
  name: string;
  prefix: string;
  created_by: string | null;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS = "id, name, prefix, created_by, created_at, revoked_at, last_used_at";
const date = (d: Date | null): Date | null => (d === null ? null : new Date(d));

function keyOf(r: ApiKeyRow): ApiKey {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
    revokedAt: date(r.revoked_at),
    lastUsedAt: date(r.last_used_at),
  };
}

/** Makes a key: the secret is returned this once; the database keeps its SHA-256 and its prefix. */
export async function createApiKey(
  db: Queryable,
  input: { name: string; createdBy: string | null },
  now: Date,
): Promise<Result<{ apiKey: ApiKey; key: string }, ApiKeyCode>> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100)
    return err("invalid_api_key_name", "an API key's name has 1 to 100 characters");
  // 32 random bytes: a SHA-256 (not a slow hash) is enough for a secret nobody can guess.
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const row = (
    await db.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, name, prefix, key_hash, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [`key_${randomUUID()}`, name, key.slice(0, VISIBLE_CHARS), sha256Hex(key), input.createdBy, now],
    )
  ).rows[0];
  if (row === undefined) throw new Error("the API key could not be read back");
  return ok({ apiKey: keyOf(row), key });
}

/** All keys, newest first, revoked ones too (with when). */
export async function listApiKeys(db: Queryable): Promise<ApiKey[]> {
  return (await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id`)).rows.map(
    keyOf,
  );
}

/** Revokes a key at once; revoking it again keeps the first time. The row stays. */
export async function revokeApiKey(
  db: Queryable,
  id: string,
  now: Date,
): Promise<Result<ApiKey, ApiKeyCode>> {
  const row = (
    await db.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, now],
    )
  ).rows[0];
  return row === undefined ? err("api_key_not_found", `no API key ${id}`) : ok(keyOf(row));
}

/** How stale `last_used_at` may get: it is written at most this often per key, not on every request. */
export const LAST_USED_RESOLUTION_MS = 60 * 60_000;

/**
 * The active key with this secret, or null (unknown or revoked). Its
 * last-used time is written only when the stored one is over an hour old,
 * so a busy key costs one write an hour, not one per request.
 */
export async function activeApiKey(db: Queryable, secret: string, now: Date): Promise<ApiKey | null> {
  const row = (
    await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [
      sha256Hex(secret),
    ])
  ).rows[0];
  if (row === undefined) return null;
  const key = keyOf(row);
  if (key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // The condition is repeated in SQL so that processes racing here write once between them.
    await db.query(
      "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)",
      [key.id, now, new Date(now.getTime() - LAST_USED_RESOLUTION_MS)],
    );
    key.lastUsedAt = now;
  }
  return key;
}
