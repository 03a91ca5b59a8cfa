import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openDb } from "./db.js";
import { migrate } from "./migrate.js";

/** Two processes starting at once on one PostgreSQL (an API and a worker) migrate it once between them. */
const url = process.env.DATABASE_URL;
describe.skipIf(url === undefined || url === "")("migrations raced by two processes", () => {
  it("applies each migration once, whoever gets there first, and neither fails", async () => {
    const schema = `race_${randomBytes(5).toString("hex")}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const a = await openDb({ engine: "postgres", url: url ?? "", schema });
    const b = await openDb({ engine: "postgres", url: url ?? "", schema });
    try {
      const [fromA, fromB] = await Promise.all([migrate(a), migrate(b)]);
      const all = [...fromA, ...fromB].sort();
      expect(new Set(all).size).toBe(all.length);
      const rows = (await a.query<{ n: string }>("SELECT COUNT(*)::text AS n FROM schema_migrations"))
        .rows[0];
      expect(Number(rows?.n)).toBe(all.length);
      expect(await migrate(a)).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  }, 60_000);
});
