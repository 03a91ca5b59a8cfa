import { createHash } from "node:crypto";
import { err, type Result } from "@leakguard/domain";
import type { Queryable } from "./db.js";

export type IdempotencyCode = "idempotency_key_reused";

/**
 * Runs a money-moving action once per idempotency key, inside the caller's
 * transaction, which must already hold the lock on what the action changes
 * (so two requests with one key wait for each other). A key seen before with
 * the same request returns the first answer, success or refusal, without
 * running again; with another request it is `idempotency_key_reused`. No key
 * runs the action as it is.
 */
export async function oncePerKey<T, C extends string>(
  tx: Queryable,
  key: string | undefined,
  request: unknown,
  act: () => Promise<Result<T, C>>,
): Promise<Result<T, C | IdempotencyCode>> {
  if (key === undefined) return act();
  // Two requests with one key on different records hold different row locks: this makes them take turns,
  // so the second finds the first's answer instead of colliding on the key's row.
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [key]);
  const requestHash = createHash("sha256").update(JSON.stringify(request, bigintsAsText)).digest("hex");
  const seen = (
    await tx.query<{ request_hash: string; response: unknown }>(
      "SELECT request_hash, response FROM idempotency_keys WHERE key = $1",
      [key],
    )
  ).rows[0];
  if (seen !== undefined)
    return seen.request_hash === requestHash
      ? (revive(seen.response) as Result<T, C>)
      : err("idempotency_key_reused", `idempotency key ${key} was used for a different request`);
  const result = await act();
  await tx.query("INSERT INTO idempotency_keys (key, request_hash, response) VALUES ($1, $2, $3)", [
    key,
    requestHash,
    JSON.stringify(result, tagged),
  ]);
  return result;
}

function bigintsAsText(_key: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}

/** Keeps bigints and dates recognisable in the stored answer (the replacer sees dates after toJSON, so it reads the holder). */
function tagged(this: Record<string, unknown>, key: string, v: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Date) return { $date: raw.toISOString() };
  if (typeof v === "bigint") return { $bigint: v.toString() };
  return v;
}

/** Brings stored answers back: { $bigint }, { $date }, and ISO strings under keys ending in "At" from answers stored before dates were tagged. */
function revive(stored: unknown): unknown {
  return JSON.parse(JSON.stringify(stored), (key, v: unknown) => {
    if (typeof v === "object" && v !== null) {
      if ("$bigint" in v) return BigInt((v as { $bigint: string }).$bigint);
      if ("$date" in v) return new Date((v as { $date: string }).$date);
    }
    if (typeof v === "string" && /At$/.test(key)) return new Date(v);
    return v;
  });
}
