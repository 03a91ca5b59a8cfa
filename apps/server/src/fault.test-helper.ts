import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accounts, type Currency } from "@leakguard/domain";
import { actOnMilestone, createFixedPriceContract, type Db, migrate, openDb } from "@leakguard/store";
import pg from "pg";

export const USD = "USD" as Currency;
const DAY = 86_400_000;

/** A database of its own on the server at `url`, migrated, with a pool for the test; `drop` removes it. */
export async function ownDatabase(
  url: string,
  prefix: string,
): Promise<{ url: string; db: Db; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const own = new URL(url);
  own.pathname = `/${name}`;
  const db = await openDb({ engine: "postgres", url: own.toString() });
  await migrate(db);
  return {
    url: own.toString(),
    db,
    drop: async () => {
      await db.close().catch(() => undefined);
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export interface DueMilestone {
  id: string;
  freelancerId: string;
  amount: bigint;
}

/**
 * `count` milestones, each on a contract of its own with a freelancer of its
 * own, funded and submitted a month ago: their auto-release is due now, so a
 * worker's clock (which reads the real time) releases them on its first run.
 * Each is due a second after the one before, the order the clock takes them in.
 */
export async function dueMilestones(db: Db, prefix: string, count: number): Promise<DueMilestone[]> {
  const made: DueMilestone[] = [];
  const start = Date.now() - 30 * DAY;
  for (let i = 0; i < count; i++) {
    const m = {
      id: `${prefix}_ms${i}`,
      freelancerId: `${prefix}_fre${i}`,
      amount: 100_000n + 10n * BigInt(i),
    };
    await createFixedPriceContract(
      db,
      { id: `${prefix}_ct${i}`, clientId: `${prefix}_cli`, freelancerId: m.freelancerId, currency: USD },
      [{ id: m.id, amount: m.amount }],
    );
    const at = new Date(start + i * 1_000);
    for (const action of [
      { type: "fund", by: "client" },
      { type: "submit", by: "freelancer" },
    ] as const) {
      const r = await actOnMilestone(db, m.id, action, at);
      if (!r.ok) throw new Error(`${action.type} ${m.id}: ${r.code} ${r.message}`);
    }
    made.push(m);
  }
  return made;
}

/** Where each milestone's money went, read from the ledger, for "released once" checks. */
export async function moneyOf(
  db: Db,
  m: DueMilestone,
): Promise<{
  status: string;
  funded: { n: number; sum: bigint };
  paidOut: { n: number; sum: bigint };
  escrow: bigint;
  pending: bigint;
}> {
  const escrow = accounts.escrow(m.id);
  const row = async (sql: string, params: unknown[]) =>
    (await db.query<{ n: string; sum: string }>(sql, params)).rows[0] ?? { n: "0", sum: "0" };
  const sums = "SELECT COUNT(*)::text AS n, COALESCE(SUM(amount), 0)::text AS sum FROM ledger_transfers";
  const funded = await row(`${sums} WHERE credit = $1`, [escrow]);
  const paidOut = await row(`${sums} WHERE debit = $1`, [escrow]);
  const balance = async (id: string) =>
    BigInt(
      (
        await db.query<{ balance: string }>(
          "SELECT balance::text AS balance FROM ledger_accounts WHERE id = $1",
          [id],
        )
      ).rows[0]?.balance ?? "0",
    );
  const status =
    (await db.query<{ status: string }>("SELECT status FROM milestones WHERE id = $1", [m.id])).rows[0]
      ?.status ?? "";
  return {
    status,
    funded: { n: Number(funded.n), sum: BigInt(funded.sum) },
    paidOut: { n: Number(paidOut.n), sum: BigInt(paidOut.sum) },
    escrow: await balance(escrow),
    pending: await balance(accounts.pending(m.freelancerId, USD)),
  };
}

/** What a released milestone's freelancer gets: the amount (a multiple of 10) less the default 10 % fee. */
export const freelancerShare = (amount: bigint): bigint => (amount * 9n) / 10n;

/** Waits for `check` to hold, polling; throws with `what` if it has not within `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The process's output from now on (what it printed before is not replayed). */
export function outputOf(child: ChildProcess): () => string {
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  return () => out;
}

/** Resolves when the process has exited (at once if it has already). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}
