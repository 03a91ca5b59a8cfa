import { createHash } from "node:crypto";
import {
  type Account,
  type AccountCode,
  type AccountStatus,
  accounts,
  type ConversionFeeCode,
  type Currency,
  checkStatusChange,
  conversionFee,
  DEFAULT_CONFIG,
  err,
  highestRateInUsd,
  type MarketplaceConfig,
  type Minor,
  ok,
  type Relationship,
  type Result,
  type Role,
  type StatusChangeCode,
  validateAccount,
} from "@leakguard/domain";
import { audit } from "./audit.js";
import type { Db, Queryable } from "./db.js";
import { type IdempotencyCode, oncePerKey } from "./idempotency.js";
import { type PostCode, postTransfersIn } from "./ledger.js";

export type PeopleCode =
  | AccountCode
  | "account_not_found"
  | "account_exists"
  | "not_a_pair"
  | "account_cannot_act"
  | "message_id_reused"
  | "conversation_busy";

export async function createAccount(
  db: Queryable,
  id: string,
  input: { role: string; displayName: string; country: string; locale: string },
): Promise<Result<Account, PeopleCode>> {
  const valid = validateAccount(input);
  if (!valid.ok) return valid;
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO accounts (id, role, display_name, country, locale) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [id, valid.value.role, valid.value.displayName, valid.value.country, valid.value.locale],
  );
  if (inserted.rows.length === 0) return err("account_exists", `an account ${id} already exists`);
  return ok({ id, status: "active", ...valid.value });
}

export async function getAccount(db: Queryable, id: string): Promise<Account | null> {
  const row = (await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`, [id]))
    .rows[0];
  return row === undefined ? null : accountOf(row);
}

export interface AccountRow extends Record<string, unknown> {
  id: string;
  role: string;
  status: string;
  display_name: string;
  country: string;
  locale: string;
}

export const ACCOUNT_COLUMNS = "id, role, status, display_name, country, locale";

export function accountOf(row: AccountRow): Account {
  return {
    id: row.id,
    role: row.role as Role,
    status: row.status as AccountStatus,
    displayName: row.display_name,
    country: row.country,
    locale: row.locale,
  };
}

/**
 * The pair of a client and a freelancer, created at their first contact with
 * `identifiedAt` = now; later calls return the same pair. Racing first
 * contacts create one pair (the unique key decides; the loser reads it).
 */
export async function relationshipFor(
  db: Queryable,
  clientId: string,
  freelancerId: string,
  now: Date,
): Promise<Result<Relationship, PeopleCode>> {
  const [client, freelancer] = await Promise.all([getAccount(db, clientId), getAccount(db, freelancerId)]);
  if (client === null || freelancer === null)
    return err("account_not_found", `no account ${client === null ? clientId : freelancerId}`);
  return relationshipOfAccounts(db, client, freelancer, now);
}

/**
 * relationshipFor with both sides already read (a send reads its sender
 * first). The pair is looked up before it is created: after the first
 * contact, one read instead of an insert that does nothing and a read.
 */
export async function relationshipOfAccounts(
  db: Queryable,
  client: Account,
  freelancer: Account,
  now: Date,
): Promise<Result<Relationship, PeopleCode>> {
  if (client.role !== "client" || freelancer.role !== "freelancer")
    return err("not_a_pair", "a relationship is between a client and a freelancer");
  const known = await findRelationship(db, client.id, freelancer.id);
  if (known !== null) return ok(known);
  await db.query(
    `INSERT INTO relationships (id, client_id, freelancer_id, identified_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (client_id, freelancer_id) DO NOTHING`,
    [relationshipId(client.id, freelancer.id), client.id, freelancer.id, now],
  );
  const pair = await findRelationship(db, client.id, freelancer.id);
  return pair === null ? err("not_a_pair", "the relationship could not be read back") : ok(pair);
}

/**
 * A pair's id, derived from its two sides so racing first contacts agree on
 * it: a hash, because joining the ids themselves could make two pairs share
 * one ("a_b" + "c" and "a" + "b_c") and would outgrow the 64-character ids.
 */
export function relationshipId(clientId: string, freelancerId: string): string {
  return `rel_${createHash("sha256").update(`${clientId}\n${freelancerId}`).digest("hex").slice(0, 32)}`;
}

/**
 * The fee for taking a pair off the platform at `now`: from its hourly
 * contracts' highest rate, compared in USD, within the configured bounds.
 */
export async function conversionFeeFor(
  db: Queryable,
  pair: Pick<Relationship, "clientId" | "freelancerId" | "identifiedAt">,
  now: Date,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<Result<Minor, ConversionFeeCode>> {
  const rates = (
    await db.query<{ currency: string; rate: string }>(
      `SELECT c.currency, MAX(h.hourly_rate)::text AS rate FROM hourly_terms h JOIN contracts c ON c.id = h.contract_id
       WHERE c.client_id = $1 AND c.freelancer_id = $2 GROUP BY c.currency`,
      [pair.clientId, pair.freelancerId],
    )
  ).rows.map((r) => ({ currency: r.currency.trim(), rateMinor: BigInt(r.rate) }));
  const highest = highestRateInUsd(rates, config);
  if (!highest.ok) return highest;
  return ok(conversionFee(highest.value, pair.identifiedAt, now, config));
}

/**
 * The client pays the conversion fee to take the pair off the platform: the
 * fee moves from the outside world to the platform's fees in USD (the
 * currency the configuration states it in), and the pair is marked
 * converted, in one transaction under the pair's row lock. Paying again moves
 * nothing and answers with the fee that was paid.
 */
export async function payConversionFee(
  db: Db,
  relationshipId: string,
  now: Date,
  idempotencyKey?: string,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<
  Result<
    { feeMinor: bigint; paidAt: Date; alreadyPaid: boolean },
    PeopleCode | PostCode | ConversionFeeCode | IdempotencyCode
  >
> {
  return db.transaction(async (tx) => {
    const locked = await tx.query("SELECT id FROM relationships WHERE id = $1 FOR UPDATE", [relationshipId]);
    const pair = locked.rows.length === 0 ? null : await getRelationship(tx, relationshipId);
    if (pair === null) return err("not_a_pair", `no relationship ${relationshipId}`);
    return oncePerKey(tx, idempotencyKey, { conversion: relationshipId }, () =>
      payLocked(tx, pair, now, config),
    );
  });
}

async function payLocked(
  tx: Queryable,
  pair: Relationship,
  now: Date,
  config: MarketplaceConfig,
): Promise<Result<{ feeMinor: bigint; paidAt: Date; alreadyPaid: boolean }, PostCode | ConversionFeeCode>> {
  const relationshipId = pair.id;
  const transferId = `${relationshipId}:conversion`;
  if (pair.conversionPaidAt !== undefined) {
    const paid = (
      await tx.query<{ amount: string }>(
        "SELECT amount::text AS amount FROM ledger_transfers WHERE id = $1",
        [transferId],
      )
    ).rows[0];
    return ok({ feeMinor: BigInt(paid?.amount ?? 0), paidAt: pair.conversionPaidAt, alreadyPaid: true });
  }
  const fee = await conversionFeeFor(tx, pair, now, config);
  if (!fee.ok) return fee;
  const USD = "USD" as Currency;
  const posted = await postTransfersIn(
    tx,
    [
      {
        id: transferId,
        debit: accounts.world(USD),
        credit: accounts.fees(USD),
        amount: fee.value,
        currency: USD,
      },
    ],
    now,
  );
  if (!posted.ok) return posted;
  await tx.query("UPDATE relationships SET conversion_paid_at = $2 WHERE id = $1", [relationshipId, now]);
  return ok({ feeMinor: fee.value, paidAt: now, alreadyPaid: false });
}

/** The pairs an account is in, newest first (at most `limit`). */
export async function relationshipsOf(
  db: Queryable,
  accountId: string,
  limit = 200,
): Promise<Relationship[]> {
  const rows = (
    await db.query<RelationshipRow>(
      `SELECT ${RELATIONSHIP_COLUMNS} FROM relationships WHERE client_id = $1 OR freelancer_id = $1
       ORDER BY identified_at DESC, id LIMIT $2`,
      [accountId, limit],
    )
  ).rows;
  return rows.map(relationshipOf);
}

/** The pair of these two, if they have met. */
export function findRelationship(
  db: Queryable,
  clientId: string,
  freelancerId: string,
): Promise<Relationship | null> {
  return readRelationship(db, "client_id = $1 AND freelancer_id = $2", [clientId, freelancerId]);
}

/** A pair by its id, or null. */
export function getRelationship(db: Queryable, id: string): Promise<Relationship | null> {
  return readRelationship(db, "id = $1", [id]);
}

export interface RelationshipRow extends Record<string, unknown> {
  id: string;
  client_id: string;
  freelancer_id: string;
  identified_at: Date;
  conversion_paid_at: Date | null;
}

export const RELATIONSHIP_COLUMNS = "id, client_id, freelancer_id, identified_at, conversion_paid_at";

export function relationshipOf(row: RelationshipRow): Relationship {
  return {
    id: row.id,
    clientId: row.client_id,
    freelancerId: row.freelancer_id,
    identifiedAt: new Date(row.identified_at),
    ...(row.conversion_paid_at === null ? {} : { conversionPaidAt: new Date(row.conversion_paid_at) }),
  };
}

async function readRelationship(
  db: Queryable,
  where: "id = $1" | "client_id = $1 AND freelancer_id = $2",
  params: string[],
): Promise<Relationship | null> {
  const row = (
    await db.query<RelationshipRow>(
      `SELECT ${RELATIONSHIP_COLUMNS} FROM relationships WHERE ${where}`,
      params,
    )
  ).rows[0];
  return row === undefined ? null : relationshipOf(row);
}

/** A user's money on the platform, per currency: in escrow for their contracts, pending (released, waiting out the period) and available. */
export interface UserBalance {
  currency: string;
  /** Held for the user's contracts, on either side: funded milestones and charged invoices not yet settled. */
  inEscrow: bigint;
  pending: bigint;
  available: bigint;
}

export async function balancesOf(db: Queryable, userId: string): Promise<UserBalance[]> {
  // The user's accounts are "pending:<currency>:<user>" and "available:<currency>:<user>".
  const rows = (
    await db.query<{ id: string; currency: string; balance: string }>(
      `SELECT id, currency, balance::text AS balance FROM ledger_accounts
       WHERE (id LIKE 'pending:%' OR id LIKE 'available:%') AND substr(id, position(':' in id) + 5) = $1
       ORDER BY currency, id`,
      [userId],
    )
  ).rows;
  const held = (
    await db.query<{ currency: string; balance: string }>(
      `SELECT a.currency, SUM(a.balance)::text AS balance FROM ledger_accounts a
       JOIN (
         SELECT 'escrow:' || m.id AS account FROM milestones m JOIN contracts c ON c.id = m.contract_id
         WHERE c.client_id = $1 OR c.freelancer_id = $1
         UNION ALL
         SELECT 'invoice:' || w.contract_id || ':' || to_char(w.week_start AT TIME ZONE 'UTC', 'YYYY-MM-DD')
         FROM weekly_invoices w JOIN contracts c ON c.id = w.contract_id
         WHERE (c.client_id = $1 OR c.freelancer_id = $1) AND w.settled_at IS NULL
       ) mine ON mine.account = a.id
       GROUP BY a.currency`,
      [userId],
    )
  ).rows;
  const byCurrency = new Map<string, UserBalance>();
  const entry = (currency: string): UserBalance => {
    const found = byCurrency.get(currency) ?? { currency, inEscrow: 0n, pending: 0n, available: 0n };
    byCurrency.set(currency, found);
    return found;
  };
  for (const r of rows)
    if (r.id.startsWith("pending:")) entry(r.currency).pending += BigInt(r.balance);
    else entry(r.currency).available += BigInt(r.balance);
  // Emptied escrow accounts add nothing; a currency appears once the user has held or earned money in it.
  for (const h of held) if (BigInt(h.balance) !== 0n) entry(h.currency).inEscrow += BigInt(h.balance);
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

export interface StatusChange {
  accountId: string;
  from: AccountStatus;
  to: AccountStatus;
  reason: string;
  /** The admin who made the change; null for the platform's own key. */
  changedBy: string | null;
  changedAt: Date;
}

/**
 * Changes an account's status with a reason, under the account's row lock,
 * and appends the change to its history in the same transaction.
 */
export async function changeAccountStatus(
  db: Db,
  accountId: string,
  to: AccountStatus,
  reason: string,
  byId: string | null,
  now: Date,
  idempotencyKey?: string,
): Promise<Result<Account, PeopleCode | StatusChangeCode | IdempotencyCode>> {
  return db.transaction(async (tx) => {
    const locked = await tx.query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE", [accountId]);
    const account = locked.rows.length === 0 ? null : await getAccount(tx, accountId);
    if (account === null) return err("account_not_found", `no account ${accountId}`);
    const request = { statusOf: accountId, to, reason, byId };
    return oncePerKey(tx, idempotencyKey, request, async (): Promise<Result<Account, StatusChangeCode>> => {
      const allowed = checkStatusChange(account, to, reason, byId);
      if (!allowed.ok) return allowed;
      return ok(await setStatusIn(tx, account, to, reason, byId, now));
    });
  });
}

/**
 * Writes a status change the caller has checked, inside the caller's
 * transaction with the account's row locked: the status, its history row and
 * the audit entry.
 */
export async function setStatusIn(
  tx: Queryable,
  account: Account,
  to: AccountStatus,
  reason: string,
  byId: string | null,
  now: Date,
  caseId?: string,
): Promise<Account> {
  await tx.query("UPDATE accounts SET status = $2 WHERE id = $1", [account.id, to]);
  await tx.query(
    `INSERT INTO account_status_changes (account_id, from_status, to_status, reason, changed_by, changed_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [account.id, account.status, to, reason.trim(), byId, now],
  );
  await audit(tx, {
    at: now,
    actorId: byId,
    event: "account.status_changed",
    subjectId: account.id,
    ...(caseId === undefined ? {} : { caseId }),
    reason: reason.trim(),
    change: { from: account.status, to },
  });
  return { ...account, status: to };
}

/** An account's status changes, oldest first. */
export async function statusChangesOf(db: Queryable, accountId: string): Promise<StatusChange[]> {
  const rows = (
    await db.query<{
      from_status: AccountStatus;
      to_status: AccountStatus;
      reason: string;
      changed_by: string | null;
      changed_at: Date;
    }>(
      `SELECT from_status, to_status, reason, changed_by, changed_at FROM account_status_changes
       WHERE account_id = $1 ORDER BY changed_at, id`,
      [accountId],
    )
  ).rows;
  return rows.map((r) => ({
    accountId,
    from: r.from_status,
    to: r.to_status,
    reason: r.reason,
    changedBy: r.changed_by,
    changedAt: new Date(r.changed_at),
  }));
}
