import { describe, expect, it } from "vitest";
import { engines, migratedDb } from "./engines.test-helper.js";
import { runDueJobs } from "./jobs.js";
import { addHits, clearHits, readHits } from "./rate-limits.js";

describe.each(engines)("rate-limit counters on $name", ({ open }) => {
  const db = migratedDb(open);
  const at = new Date("2026-12-03T10:00:30Z");

  it("adds racing hits to one fixed window without losing any", async () => {
    await Promise.all(
      Array.from({ length: 20 }, () => addHits(db(), [{ key: "k", windowMs: 60_000, n: 1 }], at)),
    );
    const [both] = await addHits(
      db(),
      [
        { key: "k", windowMs: 60_000, n: 5 },
        { key: "other", windowMs: 60_000, n: 1 },
      ],
      at,
    );
    expect(both).toEqual({ key: "k", hits: 25, windowEnds: new Date("2026-12-03T10:01:00Z") });
    expect((await readHits(db(), "k", 60_000, at)).hits).toBe(25);
    // The next window starts from zero.
    expect((await readHits(db(), "k", 60_000, new Date("2026-12-03T10:01:00Z"))).hits).toBe(0);
    await clearHits(db(), "other");
    expect((await readHits(db(), "other", 60_000, at)).hits).toBe(0);
  });

  it("is emptied of ended windows by the clock", async () => {
    await runDueJobs(db(), new Date("2026-12-03T10:01:00Z"));
    expect((await db().query("SELECT 1 FROM rate_limit_counters")).rows).toEqual([]);
  });
});
