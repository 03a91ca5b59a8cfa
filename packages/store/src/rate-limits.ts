import type { Queryable } from "./db.js";

/**
 * Fixed-window counters shared by every process on the database (rate
 * limits). A window is `[floor(now / windowMs) * windowMs, + windowMs)`; a
 * key's count in it is bumped by one upsert, so two processes adding at once
 * both land and both read the sum.
 */
export interface CounterHit {
  key: string;
  windowMs: number;
  /** How many to add (1 for a request; a batch flushes what it counted locally). */
  n: number;
}

export interface CounterState {
  key: string;
  hits: number;
  /** When the window ends and the count starts again from zero. */
  windowEnds: Date;
}

export function windowOf(now: Date, windowMs: number): { start: Date; ends: Date } {
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  return { start: new Date(start), ends: new Date(start + windowMs) };
}

/** Adds each hit to its key's current window and returns the new totals, in the order given (one row per key). */
export async function addHits(
  db: Queryable,
  hits: readonly CounterHit[],
  now: Date,
): Promise<CounterState[]> {
  if (hits.length === 0) return [];
  const windows = hits.map((h) => windowOf(now, h.windowMs));
  const rows = (
    await db.query<{ key: string; hits: number; window_ends: Date }>(
      `INSERT INTO rate_limit_counters (key, window_start, window_ends, hits)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::integer[])
       ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_counters.hits + EXCLUDED.hits
       RETURNING key, hits, window_ends`,
      [hits.map((h) => h.key), windows.map((w) => w.start), windows.map((w) => w.ends), hits.map((h) => h.n)],
    )
  ).rows;
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return hits.map((h, i) => {
    const r = byKey.get(h.key);
    return {
      key: h.key,
      hits: r?.hits ?? 0,
      windowEnds: r === undefined ? (windows[i]?.ends ?? now) : new Date(r.window_ends),
    };
  });
}

/** A key's count in its current window, without adding to it. */
export async function readHits(
  db: Queryable,
  key: string,
  windowMs: number,
  now: Date,
): Promise<CounterState> {
  const w = windowOf(now, windowMs);
  const row = (
    await db.query<{ hits: number }>(
      "SELECT hits FROM rate_limit_counters WHERE key = $1 AND window_start = $2",
      [key, w.start],
    )
  ).rows[0];
  return { key, hits: row?.hits ?? 0, windowEnds: w.ends };
}

/** Forgets a key's counts (a successful sign-in clears its account's failures). */
export async function clearHits(db: Queryable, key: string): Promise<void> {
  await db.query("DELETE FROM rate_limit_counters WHERE key = $1", [key]);
}

/** Deletes the windows that have ended (the clock runs it); returns how many. */
export async function pruneRateLimits(db: Queryable, now: Date): Promise<number> {
  const row = (
    await db.query<{ n: number }>(
      "WITH d AS (DELETE FROM rate_limit_counters WHERE window_ends <= $1 RETURNING 1) SELECT count(*)::int AS n FROM d",
      [now],
    )
  ).rows[0];
  return row?.n ?? 0;
}
