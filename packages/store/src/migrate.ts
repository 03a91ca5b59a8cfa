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
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.query(
    "CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
  );
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
    await db.transaction(async (tx) => {
      await tx.exec(sql);
      await tx.query("INSERT INTO schema_migrations (id) VALUES ($1)", [id]);
    });
    applied.push(id);
  }
  return applied;
}
