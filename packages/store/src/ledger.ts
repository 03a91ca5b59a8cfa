import {
  type AccountId,
  accounts,
  applyTransfers,
  type Currency,
  err,
  type LedgerCode,
  type Minor,
  minor,
  ok,
  type Result,
  type Transfer,
} from "@leakguard/domain";
import type { Db, Queryable } from "./db.js";

export type PostCode = LedgerCode | "transfer_conflict";

/**
 * Writes a batch of transfers, all or nothing, in one transaction: the
 * accounts are created if new, then locked in id order (so two batches over
 * the same accounts wait for each other instead of deadlocking), the batch's
 * ids are looked up, the domain checks the batch against the locked balances,
 * and the transfers are appended. A batch whose every id is already written is a replay and
 * changes nothing ("already"); one that is partly written is a conflict.
 */
export async function postTransfers(
  db: Db,
  transfers: readonly Transfer[],
  at: Date = new Date(),
): Promise<Result<{ posted: number; already: boolean }, PostCode>> {
  if (transfers.length === 0) return ok({ posted: 0, already: false });
  return db.transaction((tx) => postTransfersIn(tx, transfers, at));
}

/** postTransfers inside a transaction the caller holds (with the rows it has locked). */
export async function postTransfersIn(
  tx: Queryable,
  transfers: readonly Transfer[],
  at: Date = new Date(),
): Promise<Result<{ posted: number; already: boolean }, PostCode>> {
  if (transfers.length === 0) return ok({ posted: 0, already: false });
  const accounts = new Map<string, string>();
  for (const t of transfers) {
    accounts.set(t.debit, t.currency);
    accounts.set(t.credit, t.currency);
  }
  const accountIds = [...accounts.keys()].sort();
  for (const id of accountIds)
    await tx.query("INSERT INTO ledger_accounts (id, currency) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", [
      id,
      accounts.get(id),
    ]);
  const locked = await tx.query<{ id: string; balance: string | number | bigint }>(
    "SELECT id, balance FROM ledger_accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE",
    [accountIds],
  );
  // Checked under the locks: a batch racing this one has committed or not started, never in between.
  const ids = transfers.map((t) => t.id);
  const existing = (
    await tx.query<{ id: string }>("SELECT id FROM ledger_transfers WHERE id = ANY($1)", [ids])
  ).rows;
  if (existing.length === ids.length) return ok({ posted: 0, already: true });
  if (existing.length > 0)
    return err(
      "transfer_conflict",
      `transfers ${existing.map((r) => r.id).join(", ")} are already written, the rest are not`,
    );
  const balances = new Map<AccountId, Minor>(
    locked.rows.map((r) => [r.id as AccountId, minor(BigInt(r.balance))]),
  );
  const next = applyTransfers(balances, transfers);
  if (!next.ok) return next;
  for (const t of transfers)
    await tx.query(
      "INSERT INTO ledger_transfers (id, debit, credit, amount, currency, posted_at) VALUES ($1, $2, $3, $4, $5, $6)",
      [t.id, t.debit, t.credit, t.amount.toString(), t.currency, at],
    );
  for (const id of accountIds)
    await tx.query("UPDATE ledger_accounts SET balance = $2 WHERE id = $1", [
      id,
      (next.value.get(id as AccountId) ?? 0n).toString(),
    ]);
  return ok({ posted: transfers.length, already: false });
}

/** An account's balance in minor units (0 for an account never used). */
export async function balanceOf(db: Queryable, account: AccountId): Promise<Minor> {
  const row = (
    await db.query<{ balance: string | number | bigint }>(
      "SELECT balance FROM ledger_accounts WHERE id = $1",
      [account],
    )
  ).rows[0];
  return minor(row === undefined ? 0n : BigInt(row.balance));
}

/** Sum of every balance, and of every transfer's debits minus credits: both zero in a sound ledger. */
export async function ledgerTotals(
  db: Queryable,
): Promise<{ balances: bigint; accounts: number; transfers: number }> {
  const b = (
    await db.query<{ total: string | null; n: string | number }>(
      "SELECT COALESCE(SUM(balance), 0)::text AS total, COUNT(*) AS n FROM ledger_accounts",
    )
  ).rows[0];
  const t = (await db.query<{ n: string | number }>("SELECT COUNT(*) AS n FROM ledger_transfers")).rows[0];
  return { balances: BigInt(b?.total ?? "0"), accounts: Number(b?.n ?? 0), transfers: Number(t?.n ?? 0) };
}

/**
 * The clock's job for released money: every release to a pending balance
 * older than the pending period moves to the available balance, one transfer
 * per release with an id derived from it, so a job run twice (or by two
 * workers) moves nothing the second time.
 */
export async function makeAvailable(
  db: Db,
  now: Date,
  pendingDays: number,
  limit = 500,
): Promise<Result<{ moved: number }, PostCode>> {
  const cutoff = new Date(now.getTime() - pendingDays * 86_400_000);
  const due = (
    await db.query<{ id: string; credit: string; amount: string | number | bigint; currency: string }>(
      `SELECT t.id, t.credit, t.amount, t.currency FROM ledger_transfers t
       WHERE t.credit LIKE 'pending:%' AND t.credit ~ '^pending:[A-Z]{3}:' AND t.posted_at <= $1
         AND NOT EXISTS (SELECT 1 FROM ledger_transfers a WHERE a.id = t.id || ':available')
       ORDER BY t.posted_at LIMIT $2`,
      [cutoff, limit],
    )
  ).rows;
  let moved = 0;
  for (const row of due) {
    // "pending:USD:fre_a": the currency and the user are in the account's id.
    const currency = row.credit.slice("pending:".length, "pending:".length + 3) as Currency;
    const user = row.credit.slice("pending:XXX:".length);
    const transfer: Transfer = {
      id: `${row.id}:available`,
      debit: accounts.pending(user, currency),
      credit: accounts.available(user, currency),
      amount: minor(BigInt(row.amount)),
      currency,
    };
    const r = await postTransfers(db, [transfer], now);
    if (!r.ok) return r;
    if (!r.value.already) moved++;
  }
  return ok({ moved });
}

/** A transfer as a case's evidence shows it. */
export interface MoneyEvent {
  transferId: string;
  from: string;
  to: string;
  amount: bigint;
  currency: string;
  at: Date;
}

/** The money that moved on these contracts (their milestones' escrow, their invoices), oldest first. */
export async function moneyEventsOf(
  db: Queryable,
  contractIds: readonly string[],
  limit = 500,
): Promise<MoneyEvent[]> {
  if (contractIds.length === 0) return [];
  const rows = (
    await db.query<{
      id: string;
      debit: string;
      credit: string;
      amount: string;
      currency: string;
      posted_at: Date;
    }>(
      `WITH held AS (
         SELECT 'escrow:' || id AS account FROM milestones WHERE contract_id = ANY ($1)
       )
       SELECT t.id, t.debit, t.credit, t.amount::text AS amount, t.currency, t.posted_at FROM ledger_transfers t
       WHERE t.debit IN (SELECT account FROM held) OR t.credit IN (SELECT account FROM held)
          OR t.debit LIKE ANY ($2) OR t.credit LIKE ANY ($2)
       ORDER BY t.posted_at, t.id LIMIT $3`,
      [contractIds, contractIds.map((id) => `invoice:${id}:%`), limit],
    )
  ).rows;
  return rows.map((r) => ({
    transferId: r.id,
    from: r.debit,
    to: r.credit,
    amount: BigInt(r.amount),
    currency: r.currency,
    at: new Date(r.posted_at),
  }));
}
