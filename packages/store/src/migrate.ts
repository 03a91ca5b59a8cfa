import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Db } from "./db.js";

/** The migrations folder shipped with this package: timestamped plain SQL files, one dialect for both engines. */
export const MIGRATIONS_DIR = new URL("../migrations/", import.meta.url).pathname;

/**
 * Applies, in name order, every migration not applied yet, each in its own
 * transaction with its record. Plain SQL files rather than drizzle-kit's
 * migrator: that one wants a generated journal per driver, and the same folder
 * must serve PGlite and the server unchanged.
 */
/** One lock for every migrating process: held for one migration's transaction at a time. */
const LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('leakguard.migrate', 0))";

export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  // Processes starting together (an API and a worker) take turns on one advisory lock, and each
  // migration is re-checked under it: applied once, whoever gets there first.
  await db.transaction(async (tx) => {
    await tx.query(LOCK);
    await tx.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
  });
  const done = new Set(
    (await db.query<{ id: string }>("SELECT id FROM schema_migrations")).rows.map((r) => r.id),
  );
  const applied: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    const id = file.replace(/\.sql$/, "");
    if (done.has(id)) continue;
    const sql = readFileSync(join(dir, file), "utf8");
    const ran = await db.transaction(async (tx) => {
      await tx.query(LOCK);
      const seen = await tx.query("SELECT 1 FROM schema_migrations WHERE id = $1", [id]);
      if (seen.rows.length > 0) return false;
      await tx.exec(sql);
      await tx.query("INSERT INTO schema_migrations (id) VALUES ($1)", [id]);
      return true;
    });
    if (ran) applied.push(id);
  }
  return applied;
}
