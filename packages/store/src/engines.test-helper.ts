import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Db, openDb } from "./db.js";

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
