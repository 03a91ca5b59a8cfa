import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { accounts } from "@leakguard/domain";
import type { Db } from "@leakguard/store";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DueMilestone,
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
 * A worker killed with SIGKILL in the middle of the clock's job: the job's
 * transaction dies with it, nothing it did is left half-written, and the next
 * worker finishes the job, each milestone released exactly once.
 *
 * "In the middle" is made certain, not hoped for: the test holds a row lock on
 * the second milestone's freelancer ledger account, so the worker, having
 * released the first milestone, blocks inside the second one's transaction
 * (its milestone row locked, its ledger postings under way) until it is killed.
 */
const url = process.env.DATABASE_URL;
describe.skipIf(url === undefined || url === "")(
  "a worker killed mid-job (real PostgreSQL; skipped without DATABASE_URL)",
  () => {
    let own: { url: string; db: Db; drop: () => Promise<void> } | undefined;
    const children: ChildProcess[] = [];
    const lockers: pg.Client[] = [];
    beforeAll(async () => {
      expect(existsSync(SERVER_MAIN), `${SERVER_MAIN} is missing: run npx tsc -b first`).toBe(true);
      own = await ownDatabase(url ?? "", "leakguard_fault_kill");
    }, 60_000);
    afterAll(async () => {
      for (const c of children) c.kill("SIGKILL");
      for (const l of lockers) await l.end().catch(() => undefined);
      await own?.drop();
    });

    it("completes the job exactly once after a restart, with nothing of the killed run left behind", async () => {
      const db = own?.db as Db;
      const [a, b, c] = (await dueMilestones(db, "k", 3)) as [DueMilestone, DueMilestone, DueMilestone];

      // The lock the worker will wait on, inside its transaction for b.
      const blocked = accounts.pending(b.freelancerId, USD);
      await db.query("INSERT INTO ledger_accounts (id, currency) VALUES ($1, $2)", [blocked, USD]);
      const locker = new pg.Client({ connectionString: own?.url });
      await locker.connect();
      lockers.push(locker);
      await locker.query("BEGIN");
      await locker.query("SELECT id FROM ledger_accounts WHERE id = $1 FOR UPDATE", [blocked]);

      const env = { DATABASE_URL: own?.url ?? "", LEAKGUARD_ROLE: "worker", LEAKGUARD_CLOCK_MS: "500" };
      const first = await startServer(env, { ready: /role: worker/ });
      children.push(first.child);
      const dbName = new URL(own?.url ?? "").pathname.slice(1);
      const waitingOnLock = async () =>
        Number(
          (
            await db.query<{ n: string }>(
              `SELECT COUNT(*)::text AS n FROM pg_stat_activity
               WHERE datname = $1 AND wait_event_type = 'Lock' AND query ILIKE '%ledger_accounts%FOR UPDATE%'`,
              [dbName],
            )
          ).rows[0]?.n ?? "0",
        );
      await until(
        "the worker to block on the locked ledger account",
        async () => (await waitingOnLock()) > 0,
      );

      // The worker is in the middle: a released, b's milestone row locked by its open transaction, c untouched.
      expect((await moneyOf(db, a)).status).toBe("released");
      const bRowLocked = await db
        .transaction((tx) => tx.query("SELECT id FROM milestones WHERE id = $1 FOR UPDATE NOWAIT", [b.id]))
        .then(
          () => "free",
          (e: { code?: string }) => e.code,
        );
      expect(bRowLocked, "55P03: lock_not_available").toBe("55P03");
      expect((await moneyOf(db, c)).status).toBe("submitted");

      first.child.kill("SIGKILL");
      await exited(first.child);
      await locker.query("COMMIT");
      // The dead worker's backend gets the lock, finds no client to answer and rolls back, letting b go.
      const bLockable = () =>
        db
          .transaction((tx) => tx.query("SELECT id FROM milestones WHERE id = $1 FOR UPDATE NOWAIT", [b.id]))
          .then(
            () => true,
            () => false,
          );
      await until("the killed worker's transaction to end", async () => (await waitingOnLock()) === 0);
      await until("b's row lock to be released", bLockable);

      // Nothing half-written: b is as it was, no transfer of its release, no balance moved.
      const bAfterKill = await moneyOf(db, b);
      expect(bAfterKill).toMatchObject({ status: "submitted", paidOut: { n: 0, sum: 0n }, pending: 0n });
      expect(bAfterKill.escrow).toBe(b.amount);
      expect((await moneyOf(db, c)).status).toBe("submitted");

      // A new worker finishes the job.
      const second = await startServer(env, { ready: /role: worker/ });
      children.push(second.child);
      const log = outputOf(second.child);
      await until("the new worker to release b and c", async () => {
        const states = await Promise.all([b, c].map(async (m) => (await moneyOf(db, m)).status));
        return states.every((s) => s === "released");
      });
      // Later clock runs (every 500 ms) must find nothing left to do; give them a few.
      await new Promise((resolve) => setTimeout(resolve, 2_000));

      for (const m of [a, b, c]) {
        const money = await moneyOf(db, m);
        expect(money, m.id).toEqual({
          status: "released",
          funded: { n: 1, sum: m.amount },
          // The freelancer's share and the fee: two transfers, once.
          paidOut: { n: 2, sum: m.amount },
          escrow: 0n,
          pending: freelancerShare(m.amount),
        });
      }
      const fees = await db.query<{ balance: string }>(
        "SELECT balance::text AS balance FROM ledger_accounts WHERE id = $1",
        [accounts.fees(USD)],
      );
      expect(BigInt(fees.rows[0]?.balance ?? "0")).toBe((a.amount + b.amount + c.amount) / 10n);
      const total = await db.query<{ sum: string; n: string }>(
        "SELECT COALESCE(SUM(balance), 0)::text AS sum, (SELECT COUNT(*) FROM ledger_transfers)::text AS n FROM ledger_accounts",
      );
      expect(total.rows[0]).toEqual({ sum: "0", n: String(3 * 3) });
      expect(second.child.exitCode).toBeNull();
      expect(log()).not.toMatch(/the run failed|clock: milestones:/);
      second.child.kill("SIGTERM");
      await exited(second.child);
    }, 120_000);
  },
);
