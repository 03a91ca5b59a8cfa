import {
  addDays,
  DEFAULT_CONFIG,
  type MarketplaceConfig,
  type SignalTuning,
  weekStart,
} from "@leakguard/domain";
import { audit } from "./audit.js";
import { openCaseIfDue } from "./cases.js";
import type { Db, Queryable } from "./db.js";

/**
 * Red flags read from activity rather than from one message's text: a long
 * pre-contract conversation that goes silent right after contact details were
 * shared, hourly time that stops while the pair keeps talking (both found by
 * the clock), and a new account sending contact details to several people at
 * once (found when it sends). Each is a `signal_events` row written once per
 * situation, under a lock, in the transaction that opens a case if the
 * subject's risk reaches the threshold.
 */

export interface ActivitySignalThresholds {
  /** Messages a pair must have exchanged, with no contract, for its silence to mean something. */
  silenceMinMessages: number;
  /** Days without a message after which a conversation counts as stopped. */
  silenceDays: number;
  /** The detail must be in one of the pair's last this-many messages: the silence followed it. */
  silenceLastMessages: number;
  /** Pairs silent for longer than silenceDays plus this are no longer looked at. */
  silenceLookbackDays: number;
  /** Messages within the week the hourly time stopped, for the pair to count as still talking. */
  hourlyMinMessages: number;
  /** An account is new for this many days after its first message. */
  newAccountDays: number;
  /** How many of a new account's first messages are looked at. */
  newAccountFirstMessages: number;
  /** Distinct counterparties that must have received a detail from the new account. */
  newAccountMinCounterparties: number;
  /** A contract's end counts as following a contact exchange if a detail was sent this many days before it. */
  contractEndWindowDays: number;
  /** A contract ended having paid out less than this percentage of its value "paid little". */
  contractEndPaidBelowPercent: number;
  /** At most this many pairs per clock run and signal; the rest wait for the next run. */
  batch: number;
}

export const ACTIVITY_SIGNAL_THRESHOLDS: Readonly<ActivitySignalThresholds> = Object.freeze({
  // Six messages is a real exchange about work (a brief, questions, a price), not a two-line enquiry that
  // often ends without a hire for innocent reasons.
  silenceMinMessages: 6,
  // Three days covers a weekend and a slow reply; a pair still working on the platform rarely goes
  // quiet that long right after the details were shared.
  silenceDays: 3,
  // "Right after": the detail is one of the last two messages (it, and perhaps the other side's answer).
  silenceLastMessages: 2,
  // A month of lookback bounds the clock's scan; an older silence is no longer news.
  silenceLookbackDays: 30,
  // Three messages in a week is a conversation going on, not a single goodbye.
  hourlyMinMessages: 3,
  // A week: long enough for a legitimate client to post a job and interview, short enough that an
  // account made to contact many people and leave is still new.
  newAccountDays: 7,
  // The first twenty messages: the burst that comes before any history on the platform.
  newAccountFirstMessages: 20,
  // One or two pairs sharing contact details is contact_before_contract; three is a pattern.
  newAccountMinCounterparties: 3,
  // Two weeks: the time it takes to agree a move off the platform and wind the contract down; an exchange
  // older than that is ordinary contract talk, not the lead-up to the end.
  contractEndWindowDays: 14,
  // Under a fifth paid out: the contract was ended early, before most of its work was paid for through the
  // platform. A contract that paid most of its value and then ended is a finished job.
  contractEndPaidBelowPercent: 20,
  batch: 500,
});

/**
 * SQL: the message aliased `m` carries a contact or payment detail. Its
 * recorded scan (apps/server's ScreeningRecord) lists the engine's findings at
 * or above the low-confidence threshold; a detail is a C1 finding (contact,
 * which is always a concrete detail) or a P1 finding that is a handle (an
 * IBAN, a PayPal address) rather than an intent to pay outside. This is what
 * the send's contact_before_contract is raised on (C1), plus payment handles.
 */
export const carriesDetail = (m: string): string =>
  `EXISTS (SELECT 1 FROM jsonb_array_elements(
     CASE WHEN jsonb_typeof(${m}.scan -> 'findings') = 'array' THEN ${m}.scan -> 'findings' ELSE '[]'::jsonb END) f
   WHERE f ->> 'rule' IN ('C1', 'P1') AND f ->> 'kind' NOT LIKE 'intent%' AND f ->> 'kind' <> 'channel_mention')`;

const DAY_MS = 86_400_000;

/**
 * Appends a signal row unless `guard` (a NOT EXISTS condition over `e`, the prior rows) finds one; true if
 * written. `context` is added to the audit entry's change (what the signal concerns beyond the pair).
 */
async function appendUnless(
  tx: Queryable,
  row: { accountId: string; relationshipId: string; signal: string; at: Date; messageId: string | null },
  guard: string,
  guardParams: unknown[],
  context: Record<string, unknown> = {},
): Promise<boolean> {
  const inserted = await tx.query(
    `INSERT INTO signal_events (account_id, relationship_id, signal, at, message_id)
     SELECT $1::text, $2::text, $3::text, $4::timestamptz, $5::text
     WHERE NOT EXISTS (SELECT 1 FROM signal_events e WHERE e.signal = $3 AND ${guard})
     RETURNING id`,
    [row.accountId, row.relationshipId, row.signal, row.at, row.messageId, ...guardParams],
  );
  if (inserted.rows.length === 0) return false;
  await audit(tx, {
    at: row.at,
    actorId: null,
    event: "signal.recorded",
    subjectId: row.accountId,
    change: {
      signal: row.signal,
      relationshipId: row.relationshipId,
      ...(row.messageId === null ? {} : { messageId: row.messageId }),
      ...context,
    },
  });
  return true;
}

/** Runs `work` for each candidate in a transaction of its own; one failure does not stop the rest. */
async function eachCandidate<T>(
  db: Db,
  candidates: readonly T[],
  what: string,
  work: (tx: Queryable, candidate: T) => Promise<boolean>,
): Promise<number> {
  let recorded = 0;
  const failures: unknown[] = [];
  for (const c of candidates)
    try {
      if (await db.transaction((tx) => work(tx, c))) recorded++;
    } catch (error) {
      failures.push(error);
    }
  if (failures.length > 0)
    throw new AggregateError(failures, `${failures.length} ${what} could not be recorded`);
  return recorded;
}

interface SilentPair extends Record<string, unknown> {
  relationship_id: string;
  last_at: Date;
  contact_sender_id: string;
  contact_message_id: string;
}

/**
 * Pairs whose conversation stopped right after a detail: no contract and no
 * paid conversion, at least silenceMinMessages messages, the last one between
 * silenceDays and silenceDays + silenceLookbackDays old, a detail in one of
 * the last silenceLastMessages, and no signal since that last message (one
 * per silence: if they talk again and go quiet again, that is a new one).
 * Gives the newest such detail's message and sender.
 */
async function silentPairs(
  db: Queryable,
  now: Date,
  t: ActivitySignalThresholds,
  only?: string,
): Promise<SilentPair[]> {
  const silentSince = addDays(now, -t.silenceDays);
  const from = addDays(silentSince, -t.silenceLookbackDays);
  return (
    await db.query<SilentPair>(
      `SELECT r.id AS relationship_id, l.last_at, d.sender_id AS contact_sender_id, d.id AS contact_message_id
       FROM (SELECT relationship_id, MAX(sent_at) AS last_at FROM messages WHERE sent_at > $1
             ${only === undefined ? "" : "AND relationship_id = $6"} GROUP BY relationship_id) l
       JOIN relationships r ON r.id = l.relationship_id
       CROSS JOIN LATERAL (
         SELECT m.id, m.sender_id FROM (
           SELECT id, sender_id, sent_at, scan FROM messages WHERE relationship_id = r.id
           ORDER BY sent_at DESC, id DESC LIMIT $4) m
         WHERE ${carriesDetail("m")} ORDER BY m.sent_at DESC, m.id DESC LIMIT 1) d
       WHERE l.last_at <= $2
         AND r.conversion_paid_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM contracts c WHERE c.client_id = r.client_id AND c.freelancer_id = r.freelancer_id)
         AND (SELECT COUNT(*) FROM messages m WHERE m.relationship_id = r.id) >= $3
         AND NOT EXISTS (SELECT 1 FROM signal_events e WHERE e.relationship_id = r.id
                         AND e.signal = 'silence_after_contact_exchange' AND e.at >= l.last_at)
       ORDER BY l.last_at, r.id LIMIT $5`,
      [
        from,
        silentSince,
        t.silenceMinMessages,
        t.silenceLastMessages,
        t.batch,
        ...(only === undefined ? [] : [only]),
      ],
    )
  ).rows;
}

/**
 * The clock's step for `silence_after_contact_exchange`: each silent pair is
 * re-read under its row lock (another worker may have recorded it, or the
 * pair may have spoken since), and the signal is recorded about the sender of
 * the detail, with its message.
 */
export async function recordSilencesAfterContactExchange(
  db: Db,
  now: Date,
  t: ActivitySignalThresholds = ACTIVITY_SIGNAL_THRESHOLDS,
  tuning?: SignalTuning,
): Promise<number> {
  return eachCandidate(db, await silentPairs(db, now, t), "silence signal(s)", async (tx, candidate) => {
    await tx.query("SELECT id FROM relationships WHERE id = $1 FOR UPDATE", [candidate.relationship_id]);
    const [pair] = await silentPairs(tx, now, t, candidate.relationship_id);
    if (pair === undefined) return false;
    const written = await appendUnless(
      tx,
      {
        accountId: pair.contact_sender_id,
        relationshipId: pair.relationship_id,
        signal: "silence_after_contact_exchange",
        at: now,
        messageId: pair.contact_message_id,
      },
      "e.relationship_id = $2 AND e.at >= $6",
      [pair.last_at],
    );
    if (written) await openCaseIfDue(tx, pair.contact_sender_id, "message", now, tuning);
    return written;
  });
}

interface StoppedContract extends Record<string, unknown> {
  contract_id: string;
  relationship_id: string;
  freelancer_id: string;
}

/**
 * The week whose time is final at `now`: time is logged until the week's
 * invoice is issued (Monday at the invoice hour), so before that hour on a
 * Monday the last full week may still change and the week before is looked at.
 */
function finalWeek(now: Date, config: MarketplaceConfig): { start: Date; end: Date } {
  const thisWeek = weekStart(now);
  const issueAt = thisWeek.getTime() + config.hourly.invoiceHourUtc * 3_600_000;
  const end = now.getTime() >= issueAt ? thisWeek : addDays(thisWeek, -7);
  return { start: addDays(end, -7), end };
}

/**
 * Hourly contracts with no time logged in the final week although some was
 * logged before it, whose pair (not converted) exchanged at least
 * hourlyMinMessages messages in that week, and no signal yet since the week
 * ended (one per pair and week, whichever of its contracts stopped).
 */
async function stoppedContracts(
  db: Queryable,
  week: { start: Date; end: Date },
  t: ActivitySignalThresholds,
  only?: string,
): Promise<StoppedContract[]> {
  return (
    await db.query<StoppedContract>(
      `SELECT c.id AS contract_id, r.id AS relationship_id, c.freelancer_id
       FROM (SELECT relationship_id FROM messages WHERE sent_at >= $1 AND sent_at < $2
             ${only === undefined ? "" : "AND relationship_id = $5"}
             GROUP BY relationship_id HAVING COUNT(*) >= $3) talk
       JOIN relationships r ON r.id = talk.relationship_id
       JOIN contracts c ON c.client_id = r.client_id AND c.freelancer_id = r.freelancer_id AND c.kind = 'hourly'
       WHERE r.conversion_paid_at IS NULL
         -- A contract that ended before the week was over could not log its time: its end is the news
         -- (contract_ended_after_contact_exchange), not the time that stopped with it.
         AND (c.ended_at IS NULL OR c.ended_at >= $2)
         AND NOT EXISTS (SELECT 1 FROM time_segments s WHERE s.contract_id = c.id AND s.starts_at >= $1 AND s.starts_at < $2)
         AND EXISTS (SELECT 1 FROM time_segments s WHERE s.contract_id = c.id AND s.starts_at < $1)
         AND NOT EXISTS (SELECT 1 FROM signal_events e WHERE e.relationship_id = r.id
                         AND e.signal = 'hourly_time_stopped_while_talking' AND e.at >= $2)
       ORDER BY r.id, c.id LIMIT $4`,
      [week.start, week.end, t.hourlyMinMessages, t.batch, ...(only === undefined ? [] : [only])],
    )
  ).rows;
}

/**
 * The clock's step for `hourly_time_stopped_while_talking`: recorded about
 * the freelancer, under the pair's row lock, once per pair and final week.
 */
export async function recordHourlyTimeStopped(
  db: Db,
  now: Date,
  config: MarketplaceConfig = DEFAULT_CONFIG,
  t: ActivitySignalThresholds = ACTIVITY_SIGNAL_THRESHOLDS,
): Promise<number> {
  const week = finalWeek(now, config);
  return eachCandidate(
    db,
    await stoppedContracts(db, week, t),
    "hourly time signal(s)",
    async (tx, candidate) => {
      await tx.query("SELECT id FROM relationships WHERE id = $1 FOR UPDATE", [candidate.relationship_id]);
      const still = (await stoppedContracts(tx, week, t, candidate.relationship_id)).find(
        (c) => c.contract_id === candidate.contract_id,
      );
      if (still === undefined) return false;
      const written = await appendUnless(
        tx,
        {
          accountId: still.freelancer_id,
          relationshipId: still.relationship_id,
          signal: "hourly_time_stopped_while_talking",
          at: now,
          messageId: null,
        },
        "e.relationship_id = $2 AND e.at >= $6",
        [week.end],
      );
      if (written) await openCaseIfDue(tx, still.freelancer_id, "message", now, config.trust.signals);
      return written;
    },
  );
}

/**
 * At send time, in the send's transaction, after the message is written:
 * records `new_account_contact_burst` about the sender, once per account,
 * when the sender is new and its first newAccountFirstMessages messages
 * carried a detail, before any contract and outside converted pairs, to at
 * least newAccountMinCounterparties pairs. Returns whether it was written;
 * the send's own openCaseIfDue, which follows, scores it.
 *
 * An account's age is taken from its first message, not `accounts.created_at`:
 * that column is set by the database's clock when the row is inserted, while
 * messages carry the caller's clock (`now`), which tests and replays move.
 */
export async function recordNewAccountContactBurst(
  tx: Queryable,
  senderId: string,
  messageId: string,
  relationshipId: string,
  now: Date,
  t: ActivitySignalThresholds = ACTIVITY_SIGNAL_THRESHOLDS,
): Promise<boolean> {
  // Cheap checks first, without a lock: only a pre-contract message with a detail can complete a burst,
  // and only while the sender is new.
  const current = (
    await tx.query<{ detail: boolean; first_at: Date | null }>(
      `SELECT ${carriesDetail("m")} AS detail,
              (SELECT MIN(sent_at) FROM messages WHERE sender_id = $2) AS first_at
       FROM messages m WHERE m.id = $1 AND m.stage IS DISTINCT FROM 'contract_active'`,
      [messageId, senderId],
    )
  ).rows[0];
  if (current === undefined || !current.detail || current.first_at === null) return false;
  if (!isNewAccountAt(new Date(current.first_at), now, t)) return false;
  return completeNewAccountContactBurst(tx, senderId, messageId, relationshipId, now, t);
}

/** The sender, whose first message was sent at `firstSentAt`, is still new at `now`. */
export function isNewAccountAt(
  firstSentAt: Date,
  now: Date,
  t: ActivitySignalThresholds = ACTIVITY_SIGNAL_THRESHOLDS,
): boolean {
  return now.getTime() - firstSentAt.getTime() < t.newAccountDays * DAY_MS;
}

/**
 * carriesDetail on a scan in memory, for a caller that has not stored it yet
 * or knows what it stored: the same test as the SQL, element by element
 * (`->>` is NULL for a non-object element or a JSON null, and NULL fails it).
 */
export function scanCarriesDetail(scan: unknown): boolean {
  const findings =
    typeof scan === "object" && scan !== null ? (scan as { findings?: unknown }).findings : undefined;
  if (!Array.isArray(findings)) return false;
  return findings.some((f: unknown) => {
    if (typeof f !== "object" || f === null || Array.isArray(f)) return false;
    const { rule, kind } = f as { rule?: unknown; kind?: unknown };
    if (rule !== "C1" && rule !== "P1") return false;
    if (kind === undefined || kind === null) return false;
    return typeof kind !== "string" || (!kind.startsWith("intent") && kind !== "channel_mention");
  });
}

/**
 * The rest of recordNewAccountContactBurst, once its cheap checks passed
 * (a pre-contract message with a detail, from a sender still new): a send
 * that knows its message, stage and the sender's first message makes them
 * without a statement and calls this.
 */
export async function completeNewAccountContactBurst(
  tx: Queryable,
  senderId: string,
  messageId: string,
  relationshipId: string,
  now: Date,
  t: ActivitySignalThresholds = ACTIVITY_SIGNAL_THRESHOLDS,
): Promise<boolean> {
  // Two sends of one sender take turns here, so the second sees the first's message and signal (a row
  // lock on the account would wait on the key-share locks the sends' own inserts hold on it).
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
    `new_account_contact_burst:${senderId}`,
  ]);
  const reached = (
    await tx.query<{ n: number }>(
      `SELECT COUNT(DISTINCT m.relationship_id)::int AS n FROM (
         SELECT relationship_id, stage, scan FROM messages WHERE sender_id = $1 ORDER BY sent_at, id LIMIT $2) m
       JOIN relationships r ON r.id = m.relationship_id
       WHERE r.conversion_paid_at IS NULL AND m.stage IS DISTINCT FROM 'contract_active' AND ${carriesDetail("m")}`,
      [senderId, t.newAccountFirstMessages],
      "leakguard_new_account_burst_reached",
    )
  ).rows[0];
  if ((reached?.n ?? 0) < t.newAccountMinCounterparties) return false;
  return appendUnless(
    tx,
    { accountId: senderId, relationshipId, signal: "new_account_contact_burst", at: now, messageId },
    "e.account_id = $1",
    [],
  );
}

interface EndedContract extends Record<string, unknown> {
  relationship_id: string | null;
  value: string;
  paid: string;
}

/**
 * When a contract ends, in the transaction that ends it (a party ending it,
 * or a party's removal, after its escrow is settled): records
 * `contract_ended_after_contact_exchange` about each party who sent the
 * other a contact or payment detail (`carriesDetail`) in the
 * contractEndWindowDays before the end, with their latest such message, if
 * the contract paid out little. Converted pairs raise none.
 *
 * "Paid out little" is less than contractEndPaidBelowPercent of the
 * contract's value released to the freelancer (gross, before the platform's
 * fee):
 * - fixed price: what left the milestones' escrow other than as a refund
 *   (released milestones, the freelancer's part of a split), against the sum
 *   of all its milestones, funded or not;
 * - hourly: the billed amount of settled invoices less what they refunded,
 *   against what all its invoices billed. An invoice not yet settled (still
 *   in its dispute window) has paid nothing yet; a contract with no invoice
 *   paid nothing.
 *
 * Once per contract: the rows carry the contract's end as their time, and a
 * row of this signal for the party, pair and time is not written twice (two
 * contracts of one pair ended at the same moment, by one removal, count once).
 * Returns how many rows were written.
 */
export async function recordContractEndedAfterContactExchange(
  tx: Queryable,
  contractId: string,
  endedAt: Date,
  t: ActivitySignalThresholds = ACTIVITY_SIGNAL_THRESHOLDS,
  tuning?: SignalTuning,
): Promise<number> {
  const contract = (
    await tx.query<EndedContract>(
      `SELECT r.id AS relationship_id,
         (CASE c.kind
            WHEN 'fixed_price' THEN (SELECT COALESCE(SUM(m.amount), 0) FROM milestones m WHERE m.contract_id = c.id)
            ELSE (SELECT COALESCE(SUM(w.billed), 0) FROM weekly_invoices w WHERE w.contract_id = c.id)
          END)::text AS value,
         (CASE c.kind
            WHEN 'fixed_price' THEN (SELECT COALESCE(SUM(l.amount), 0) FROM milestones m
              JOIN ledger_transfers l ON l.debit = 'escrow:' || m.id
              WHERE m.contract_id = c.id AND l.credit NOT LIKE 'world:%')
            ELSE (SELECT COALESCE(SUM(w.billed - COALESCE(w.refunded, 0)), 0) FROM weekly_invoices w
              WHERE w.contract_id = c.id AND w.settled_at IS NOT NULL)
          END)::text AS paid
       FROM contracts c
       LEFT JOIN relationships r ON r.client_id = c.client_id AND r.freelancer_id = c.freelancer_id
         AND r.conversion_paid_at IS NULL
       WHERE c.id = $1`,
      [contractId],
    )
  ).rows[0];
  // No pair (they never wrote to each other) or a converted one: nothing to read.
  if (contract === undefined || contract.relationship_id === null) return 0;
  const relationshipId = contract.relationship_id;
  const value = BigInt(contract.value);
  const paid = BigInt(contract.paid);
  const paidLittle = value === 0n || paid * 100n < value * BigInt(t.contractEndPaidBelowPercent);
  if (!paidLittle) return 0;
  const senders = (
    await tx.query<{ sender_id: string; id: string }>(
      `SELECT DISTINCT ON (m.sender_id) m.sender_id, m.id FROM messages m
       WHERE m.relationship_id = $1 AND m.sent_at >= $2 AND m.sent_at <= $3 AND ${carriesDetail("m")}
       ORDER BY m.sender_id, m.sent_at DESC, m.id DESC`,
      [relationshipId, addDays(endedAt, -t.contractEndWindowDays), endedAt],
    )
  ).rows;
  let written = 0;
  for (const s of senders) {
    const recorded = await appendUnless(
      tx,
      {
        accountId: s.sender_id,
        relationshipId,
        signal: "contract_ended_after_contact_exchange",
        at: endedAt,
        messageId: s.id,
      },
      "e.account_id = $1 AND e.relationship_id = $2 AND e.at = $4",
      [],
      { contractId, paidMinor: paid.toString(), valueMinor: value.toString() },
    );
    if (!recorded) continue;
    written++;
    await openCaseIfDue(tx, s.sender_id, "message", endedAt, tuning);
  }
  return written;
}
