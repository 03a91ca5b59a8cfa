import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { type Db, openDb } from "./db.js";
import { migrate } from "./migrate.js";

// The same suite on both engines: PGlite always, a real PostgreSQL server when DATABASE_URL is set
// (CI sets it). On the server each run works in a schema of its own, dropped at the end.
const url = process.env.DATABASE_URL;
export const engines: { name: string; open: () => Promise<{ db: Db; drop: () => Promise<void> }> }[] = [
  {
    name: "pglite",
    open: async () => {
      const db = await openDb({ engine: "pglite" });
      return { db, drop: () => db.close() };
    },
  },
];
if (url !== undefined && url !== "")
  engines.push({
    name: "postgres",
    open: async () => {
      const schema = `test_${randomBytes(6).toString("hex")}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      const db = await openDb({ engine: "postgres", url, schema, maxConnections: 25 });
      return {
        db,
        drop: async () => {
          await db.close();
          await admin.query(`DROP SCHEMA ${schema} CASCADE`);
          await admin.end();
        },
      };
    },
  });

/** Opens an engine and migrates it for one test file; the returned getter gives the db inside tests. */
export function migratedDb(open: () => Promise<{ db: Db; drop: () => Promise<void> }>): () => Db {
  let db: Db | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ db, drop } = await open());
    await migrate(db);
  }, 60_000);
  afterAll(async () => drop?.());
  return () => {
    if (db === undefined) throw new Error("the database is opened in beforeAll");
    return db;
  };
}
