import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { accounts } from "@leakguard/domain";
import type { Db } from "@leakguard/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dueMilestones,
  exited,
  freelancerShare,
  moneyOf,
  outputOf,
  ownDatabase,
  USD,
  until,
} from "./fault.test-helper.js";
import { SERVER_MAIN, startServer } from "./server-process.test-helper.js";

/**
 * Two worker processes started together on the same 50 due auto-releases:
 * both list the same milestones and tick them; the milestone's row lock lets
 * one release each and makes the other find it released, so each is released
 * once and the money adds up.
 */
const url = process.env.DATABASE_URL;
const COUNT = 50;
describe.skipIf(url === undefined || url === "")(
  "two workers racing for the same due auto-releases (real PostgreSQL; skipped without DATABASE_URL)",
  () => {
    let own: { url: string; db: Db; drop: () => Promise<void> } | undefined;
    const children: ChildProcess[] = [];
    beforeAll(async () => {
      expect(existsSync(SERVER_MAIN), `${SERVER_MAIN} is missing: run npx tsc -b first`).toBe(true);
      own = await ownDatabase(url ?? "", "leakguard_fault_race");
    }, 60_000);
    afterAll(async () => {
      for (const c of children) c.kill("SIGKILL");
      await own?.drop();
    });

    it(`releases each of ${COUNT} milestones once`, async () => {
      const db = own?.db as Db;
      const due = await dueMilestones(db, "r", COUNT);
      const env = { DATABASE_URL: own?.url ?? "", LEAKGUARD_ROLE: "worker", LEAKGUARD_CLOCK_MS: "500" };
      const workers = await Promise.all([1, 2].map(() => startServer(env, { ready: /role: worker/ })));
      children.push(...workers.map((w) => w.child));
      const logs = workers.map((w) => outputOf(w.child));

      const released = async () =>
        Number(
          (
            await db.query<{ n: string }>(
              "SELECT COUNT(*)::text AS n FROM milestones WHERE status = 'released' AND id LIKE 'r\\_%'",
            )
          ).rows[0]?.n ?? "0",
        );
      await until(`all ${COUNT} milestones released`, async () => (await released()) === COUNT, 90_000);
      // Later clock runs of both must find nothing to do; give them a few.
      await new Promise((resolve) => setTimeout(resolve, 2_000));

      for (const m of due)
        expect(await moneyOf(db, m), m.id).toEqual({
          status: "released",
          funded: { n: 1, sum: m.amount },
          paidOut: { n: 2, sum: m.amount },
          escrow: 0n,
          pending: freelancerShare(m.amount),
        });
      const total = due.reduce((s, m) => s + m.amount, 0n);
      const ledger = (
        await db.query<{ transfers: string; balances: string; fees: string }>(
          `SELECT (SELECT COUNT(*) FROM ledger_transfers)::text AS transfers,
                  (SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts)::text AS balances,
                  (SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts WHERE id = $1)::text AS fees`,
          [accounts.fees(USD)],
        )
      ).rows[0];
      // One funding and two release transfers per milestone; the ledger balances; the fee is 10 %.
      expect(ledger).toEqual({ transfers: String(3 * COUNT), balances: "0", fees: String(total / 10n) });
      for (const w of workers) expect(w.child.exitCode).toBeNull();

      // What each worker did, from its log (a figure, not a promise: either may win any milestone).
      const changed = logs.map((l) =>
        [...l().matchAll(/milestones changed (\d+), left to others or later (\d+)/g)].reduce(
          (s, m) => ({ changed: s.changed + Number(m[1]), skipped: s.skipped + Number(m[2]) }),
          { changed: 0, skipped: 0 },
        ),
      );
      console.log(`two workers racing for ${COUNT} due releases: ${JSON.stringify(changed)}`);
      for (const l of logs) expect(l()).not.toMatch(/the run failed|clock: milestones:/);
      for (const w of workers) w.child.kill("SIGTERM");
      await Promise.all(workers.map((w) => exited(w.child)));
    }, 180_000);
  },
);
