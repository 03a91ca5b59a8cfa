import type { Currency, Minor } from "./money.js";
import { basisPoints, minor } from "./money.js";
import { err, ok, type Result } from "./result.js";

/**
 * A double-entry ledger, as pure data. A transfer moves an amount from its
 * debit account to its credit account in one currency; every transfer
 * balances by construction. An account's balance is its credits minus its
 * debits, and only the outside world may go below zero (money coming in from
 * cards and banks). Rows are appended, never changed: the store writes the
 * transfers this module accepts, in the transaction that locked the accounts.
 */
export type AccountId = string & { readonly __account: true };

export const accounts = {
  /** Money outside the platform (cards, banks): the source of funding, the sink of payouts and refunds. */
  world: (currency: Currency): AccountId => `world:${currency}` as AccountId,
  /** Money held for one milestone. */
  escrow: (milestoneId: string): AccountId => `escrow:${milestoneId}` as AccountId,
  /** A weekly hourly invoice's charge, held from issue until it is settled ("invoice:ctr_1:2026-03-02"). */
  invoice: (contractId: string, weekStart: Date): AccountId =>
    `invoice:${contractId}:${weekStart.toISOString().slice(0, 10)}` as AccountId,
  /** Released to a user, waiting out the pending period; one per user and currency, so currencies never mix. */
  pending: (userId: string, currency: Currency): AccountId => `pending:${currency}:${userId}` as AccountId,
  /** A user's money they can pay out, per currency. */
  available: (userId: string, currency: Currency): AccountId =>
    `available:${currency}:${userId}` as AccountId,
  /** The platform's fees. */
  fees: (currency: Currency): AccountId => `fees:${currency}` as AccountId,
};

export const isWorld = (account: AccountId): boolean => account.startsWith("world:");

export interface Transfer {
  /** Unique and deterministic for the business action ("ms_01…:release"), so a replay cannot move money twice. */
  id: string;
  debit: AccountId;
  credit: AccountId;
  amount: Minor;
  currency: Currency;
}

export type LedgerCode = "invalid_amount" | "same_account" | "insufficient_funds" | "balance_out_of_range";

/** The most one transfer may move: 10^12 minor units (ten billion in a two-decimal currency). */
export const MAX_TRANSFER_MINOR = 1_000_000_000_000n;
/** A balance is a PostgreSQL bigint: beyond this the database cannot hold it. */
const MAX_BALANCE = 2n ** 63n - 1n;

/**
 * Applies transfers to balances (all or nothing) and returns the new balances,
 * or the first rule broken: a non-positive amount, a transfer to itself, or
 * an account other than the outside world going below zero.
 */
export function applyTransfers(
  balances: ReadonlyMap<AccountId, Minor>,
  transfers: readonly Transfer[],
): Result<Map<AccountId, Minor>, LedgerCode> {
  const next = new Map(balances);
  for (const t of transfers) {
    if (t.amount <= 0n || t.amount > MAX_TRANSFER_MINOR)
      return err(
        "invalid_amount",
        `transfer ${t.id}: amount must be from 1 to ${MAX_TRANSFER_MINOR} minor units, got ${t.amount}`,
      );
    if (t.debit === t.credit)
      return err("same_account", `transfer ${t.id}: debit and credit are both ${t.debit}`);
    const from = (next.get(t.debit) ?? 0n) - t.amount;
    if (from < 0n && !isWorld(t.debit))
      return err(
        "insufficient_funds",
        `transfer ${t.id}: ${t.debit} holds ${from + t.amount}, needs ${t.amount}`,
      );
    const to = (next.get(t.credit) ?? 0n) + t.amount;
    if (from < -MAX_BALANCE || to > MAX_BALANCE)
      return err("balance_out_of_range", `transfer ${t.id}: a balance would pass what the ledger can hold`);
    next.set(t.debit, minor(from));
    next.set(t.credit, minor(to));
  }
  return ok(next);
}

/** The sum of every balance is zero: what one account gained, another gave. */
export function totalOf(balances: ReadonlyMap<AccountId, Minor>): bigint {
  let total = 0n;
  for (const v of balances.values()) total += v;
  return total;
}

/**
 * Pays `part` of held money to a freelancer: the platform's fee (basis points
 * of the part) to the fees account, the rest to the freelancer's pending
 * balance. Ids are `<prefix>:freelancer` and `<prefix>:fee`; zero legs are left out.
 */
export function releaseTransfers(
  prefix: string,
  from: AccountId,
  freelancerId: string,
  currency: Currency,
  part: Minor,
  feeBps: number,
): Transfer[] {
  const fee = basisPoints(part, feeBps);
  const net = minor(part - fee);
  const transfers: Transfer[] = [];
  if (net > 0n)
    transfers.push({
      id: `${prefix}:freelancer`,
      debit: from,
      credit: accounts.pending(freelancerId, currency),
      amount: net,
      currency,
    });
  if (fee > 0n)
    transfers.push({
      id: `${prefix}:fee`,
      debit: from,
      credit: accounts.fees(currency),
      amount: fee,
      currency,
    });
  return transfers;
}

/** Gives `part` of held money back to where it came from (`<prefix>:refund`); nothing for zero. */
export function refundTransfers(
  prefix: string,
  from: AccountId,
  currency: Currency,
  part: Minor,
): Transfer[] {
  return part > 0n
    ? [{ id: `${prefix}:refund`, debit: from, credit: accounts.world(currency), amount: part, currency }]
    : [];
}
