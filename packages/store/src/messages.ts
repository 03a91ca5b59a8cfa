import { type Account, err, ok, type Relationship, type Result, type SignalTuning } from "@leakguard/domain";
import { type ContractState, riskOfRecorded } from "@leakguard/trust";
import {
  completeNewAccountContactBurst,
  isNewAccountAt,
  recordNewAccountContactBurst,
  scanCarriesDetail,
} from "./activity-signals.js";
import { type AuditEntry, audit, emitWebhookOf } from "./audit.js";
import { CASE_RISK_THRESHOLD, openCaseIfDue, openCaseIfDueAtRisk } from "./cases.js";
import type { Db, Queryable } from "./db.js";
import {
  ACCOUNT_COLUMNS,
  type AccountRow,
  accountOf,
  getAccount,
  type PeopleCode,
  RELATIONSHIP_COLUMNS,
  type RelationshipRow,
  relationshipOf,
  relationshipOfAccounts,
} from "./people.js";
import { recordSignal, recordSignals, type SignalRecord, signalAuditEntry } from "./signals.js";

/**
 * Messages between the two sides of a pair. Each is screened before it is
 * stored: the caller's `screen` (the engine and the trust decision) sees the
 * pair, its contracts and its recent messages inside the transaction that
 * writes, and says what happens: delivered as shown, held for an agent, or
 * waiting for the sender to confirm a reminder (then nothing is stored).
 */

export type MessageDelivery = "delivered" | "held" | "rejected";

export interface StoredMessage {
  id: string;
  relationshipId: string;
  senderId: string;
  /**
   * The original, as sent: for its sender and for staff who hold `read_originals`. Once erased by
   * retention (`erasedAt`), the original is gone and this is what was shown, details replaced.
   */
  text: string;
  /** What the two sides are shown: the text, or the text with details masked. */
  shownText: string;
  verdict: "allow" | "nudge" | "mask" | "hold";
  delivery: MessageDelivery;
  sentAt: Date;
  stage?: string;
  /** The engine's findings, rules and handles, as recorded. */
  scan?: unknown;
  reviewedBy?: string;
  reviewedAt?: Date;
  /** When retention erased the original (see originals.ts). */
  erasedAt?: Date;
}

export interface MessageContext {
  pair: Relationship;
  contracts: ContractState[];
  /** The pair's most recent messages, oldest first, originals (the conversation scanner needs them). */
  recent: { senderId: string; text: string }[];
}

export interface Screening {
  verdict: StoredMessage["verdict"];
  delivery: "deliver" | "confirm" | "hold";
  shownText: string;
  stage: string;
  scan: unknown;
  /** Red-flag signals this message raises about its sender, recorded with it. */
  signals: string[];
  /** Keyed hashes of the contact and payment handles in it, to link accounts that share one. */
  handleHashes?: { kind: string; hash: string }[];
  /** Shadow mode: what a candidate policy would have done, stored beside the live verdict, never enforced. */
  shadow?: {
    livePolicy: string;
    candidatePolicy: string;
    verdict: StoredMessage["verdict"];
    rules: string[];
  };
}

export type SendOutcome =
  | { kind: "stored"; message: StoredMessage }
  | { kind: "needs_confirmation"; relationshipId: string; screening: Screening };

const RECENT = 20;

export async function sendMessage(
  db: Db,
  message: { id: string; senderId: string; recipientId: string; text: string },
  now: Date,
  screen: (context: MessageContext) => Screening,
  options: { confirmed?: boolean; signals?: SignalTuning } = {},
): Promise<Result<SendOutcome, PeopleCode>> {
  // A message takes the place after the last one its screening read; if another message of the pair took
  // that place meanwhile, nothing of this one was written (its statement or transaction failed whole), and it
  // is read and screened again after that message.
  for (let attempt = 1; ; attempt++) {
    try {
      return await sendMessageOnce(db, message, now, screen, options);
    } catch (error) {
      if (!isPairSequenceConflict(error)) throw error;
      if (attempt >= SEND_ATTEMPTS)
        return err(
          "conversation_busy",
          `other messages of this pair were stored while this one was screened, ${SEND_ATTEMPTS} times; send it again`,
        );
    }
  }
}

async function sendMessageOnce(
  db: Db,
  message: { id: string; senderId: string; recipientId: string; text: string },
  now: Date,
  screen: (context: MessageContext) => Screening,
  options: { confirmed?: boolean; signals?: SignalTuning },
): Promise<Result<SendOutcome, PeopleCode>> {
  // Everything the send reads, in one statement. Outside the writing transaction: reads take no lock, and
  // under READ COMMITTED each statement of a transaction sees what was committed before it anyway, so
  // reading first is what the step-by-step send would see had its reads all come first.
  const state = await readSendState(db, message);
  const sender = state.sender;
  if (sender === null) return err("account_not_found", `no account ${message.senderId}`);
  if (sender.status !== "active")
    return err("account_cannot_act", `account ${sender.id} is ${sender.status}`);
  const recipient = state.recipient;
  if (recipient === null) return err("account_not_found", `no account ${message.recipientId}`);
  const [client, freelancer] = sender.role === "client" ? [sender, recipient] : [recipient, sender];
  if (client.role !== "client" || freelancer.role !== "freelancer")
    return err("not_a_pair", "a relationship is between a client and a freelancer");
  // A pair's first message forms the pair (an insert that racing first contacts agree on): the step-by-step
  // send does that, once per pair.
  if (state.pair === null) return sendMessageStepByStep(db, message, now, screen, options);
  const pair = state.pair;
  if (state.first !== null) return replayOf(state.first, pair.id, message);
  const screening = screen(state.context);
  if (screening.delivery === "confirm" && options.confirmed !== true)
    return ok({ kind: "needs_confirmation", relationshipId: pair.id, screening });
  const delivery: MessageDelivery = screening.delivery === "hold" ? "held" : "delivered";
  const signals = signalRecordsOf(message, pair.id, screening, now);
  const screened = screenedEntry(message, pair.id, screening, delivery, now);
  const handles = screening.handleHashes ?? [];
  // recordNewAccountContactBurst's cheap checks, on what the send knows: the message (its stage and scan, as
  // stored) and the sender's first message (this one if it has none before).
  // The signal is written once per account (appendUnless) and never deleted: one the sender has is enough.
  const burstPossible =
    !state.senderSignals.some((e) => e.signal === "new_account_contact_burst") &&
    screening.stage !== "contract_active" &&
    scanCarriesDetail(screening.scan) &&
    isNewAccountAt(
      state.firstSentAt === null || state.firstSentAt.getTime() > now.getTime() ? now : state.firstSentAt,
      now,
    );
  // openCaseIfDue with nothing else recorded: the sender's signals as read, then this message's, in the
  // order riskNow reads them (time, then id: the new rows come last among equal times).
  const events = [...state.senderSignals, ...signals.map((e) => ({ signal: e.signal, at: e.at }))];
  const score =
    events.length > SIGNALS_READ
      ? null
      : riskOfRecorded(
          events.sort((a, b) => a.at.getTime() - b.at.getTime()),
          now,
          3,
          options.signals,
        ).score;
  const caseMayOpen = delivery === "held" || score === null || score >= CASE_RISK_THRESHOLD;
  const write = (q: Queryable) =>
    insertMessage(q, message, pair.id, state.lastSeq + 1, now, screening, delivery, screened, signals);
  if (!caseMayOpen && !burstPossible && handles.length === 0 && screening.shadow === undefined) {
    // The common send: one statement, atomic by itself, writes the message, its audit entry and its
    // signals; no case opens (a delivered message, a risk under the threshold with its signals counted) and
    // nothing else can be recorded, so it needs no transaction of its own.
    return ok({ kind: "stored", message: await write(db) });
  }
  return db.transaction(async (tx) => {
    const stored = await write(tx);
    await emitWebhookOf(tx, screened);
    let moreSignals = await recordHandles(tx, message.senderId, message.id, handles, now);
    await recordShadowVerdict(tx, message.id, screening, now);
    if (burstPossible)
      moreSignals =
        (await completeNewAccountContactBurst(tx, message.senderId, message.id, pair.id, now)) || moreSignals;
    const event = delivery === "held" ? "held_message" : "message";
    // A signal recorded since the score (a shared handle, a burst) or one too many to read: riskNow scores.
    if (moreSignals || score === null) await openCaseIfDue(tx, message.senderId, event, now, options.signals);
    else await openCaseIfDueAtRisk(tx, message.senderId, event, score, now);
    return ok({ kind: "stored" as const, message: stored });
  });
}

/** riskNow reads at most this many signal events; a sender with more is scored by it, after the writes. */
const SIGNALS_READ = 1000;

interface SendState {
  sender: Account | null;
  recipient: Account | null;
  /** The pair of the sender and the recipient, if formed (null too when they cannot form one). */
  pair: Relationship | null;
  /** A message already stored under this id (a retried send). */
  first: StoredMessage | null;
  /** The screening's context (read only for a formed pair and a new id). */
  context: MessageContext;
  /** The sender's signal events, oldest first, as riskNow reads them (up to SIGNALS_READ + 1). */
  senderSignals: { signal: string; at: Date; weight?: number }[];
  /** When the sender's first message was sent (null: none yet). */
  firstSentAt: Date | null;
  /** The place of the pair's last message in its conversation, read with the context (0: none). */
  lastSeq: number;
}

type Prefixed<P extends string, R> = { [K in keyof R as `${P}${K & string}`]: R[K] | null };

/**
 * What sendMessage reads, in one statement: the sender, the recipient, their
 * pair (its sides following the sender's role, as a send forms it), a message
 * already stored under the id and, for a new message in a formed pair, what
 * its screening needs (contextOf's statement), the sender's signal events
 * (riskNow's) and their first message's time. Seven statements before (BEGIN
 * included), each a round trip and most of a send's CPU in the API process.
 */
async function readSendState(
  db: Queryable,
  message: { id: string; senderId: string; recipientId: string },
): Promise<SendState> {
  const row = (
    await db.query<
      Prefixed<"s_", AccountRow> &
        Prefixed<"t_", AccountRow> &
        Prefixed<"r_", RelationshipRow> &
        Prefixed<"m_", MessageRow> & {
          contracts: unknown;
          recent: unknown;
          signals: unknown;
          first_sent_at: Date | null;
          last_seq: string | number | null;
        }
    >(
      sendReadSql(),
      [message.senderId, message.recipientId, message.id, RECENT, SIGNALS_READ + 1],
      "leakguard_send_read",
    )
  ).rows[0];
  if (row === undefined) throw new Error("the send's state could not be read");
  const unprefixed = <R>(prefix: string): R =>
    Object.fromEntries(
      Object.entries(row)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => [k.slice(prefix.length), v]),
    ) as R;
  const pair = row.r_id === null ? null : relationshipOf(unprefixed<RelationshipRow>("r_"));
  const parsed = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;
  const signals = parsed<{ signal: string; at: string; weight: string }[] | null>(row.signals) ?? [];
  return {
    sender: row.s_id === null ? null : accountOf(unprefixed<AccountRow>("s_")),
    recipient: row.t_id === null ? null : accountOf(unprefixed<AccountRow>("t_")),
    pair,
    first: row.m_id === null ? null : messageOf(unprefixed<MessageRow>("m_")),
    context:
      pair === null
        ? {
            pair: { id: "", clientId: "", freelancerId: "", identifiedAt: new Date(0) },
            contracts: [],
            recent: [],
          }
        : contextFrom(pair, row.contracts ?? [], row.recent ?? []),
    senderSignals: signals.map((e) => ({ signal: e.signal, at: new Date(e.at), weight: Number(e.weight) })),
    firstSentAt: row.first_sent_at === null ? null : new Date(row.first_sent_at),
    lastSeq: Number(row.last_seq ?? 0),
  };
}

/** readSendState's statement, made once (a prepared statement's text never changes). */
let SEND_READ_SQL: string | undefined;

function sendReadSql(): string {
  if (SEND_READ_SQL !== undefined) return SEND_READ_SQL;
  const columns = (alias: string, list: string) =>
    list
      .split(", ")
      .map((c) => `${alias}.${c} AS ${alias}_${c}`)
      .join(", ");
  SEND_READ_SQL = `SELECT ${columns("s", ACCOUNT_COLUMNS)}, ${columns("t", ACCOUNT_COLUMNS)},
         ${columns("r", RELATIONSHIP_COLUMNS)}, ${columns("m", MESSAGE_COLUMNS)},
         CASE WHEN r.id IS NOT NULL AND m.id IS NULL THEN (${CONTRACTS_SQL("r.client_id", "r.freelancer_id")}) END AS contracts,
         CASE WHEN r.id IS NOT NULL AND m.id IS NULL THEN (${RECENT_SQL("r.id", "$4")}) END AS recent,
         CASE WHEN r.id IS NOT NULL AND m.id IS NULL THEN (
           SELECT json_agg(json_build_object('signal', e.signal, 'at', e.at, 'weight', e.weight::text) ORDER BY e.at, e.id)
             FROM (SELECT id, signal, at, weight FROM signal_events WHERE account_id = $1 ORDER BY at, id LIMIT $5) e)
         END AS signals,
         CASE WHEN r.id IS NOT NULL AND m.id IS NULL THEN (SELECT MIN(sent_at) FROM messages WHERE sender_id = $1)
         END AS first_sent_at,
         CASE WHEN r.id IS NOT NULL AND m.id IS NULL THEN (${LAST_SEQ_SQL("r.id")}) END AS last_seq
       FROM (SELECT 1) AS one
       LEFT JOIN accounts s ON s.id = $1
       LEFT JOIN accounts t ON t.id = $2
       LEFT JOIN relationships r
         ON r.client_id = CASE WHEN s.role = 'client' THEN s.id ELSE t.id END
        AND r.freelancer_id = CASE WHEN s.role = 'client' THEN t.id ELSE s.id END
       LEFT JOIN messages m ON m.id = $3`;
  return SEND_READ_SQL;
}

/**
 * The message, its `message.screened` entry and its signals (events, then
 * their entries) in one statement: a data-modifying WITH, atomic as any
 * statement, the rows of each table in the order the step-by-step send wrote
 * them. The row as stored comes back.
 */
/** The candidate policy's verdict beside the live one, when a shadow policy runs (nothing otherwise). */
async function recordShadowVerdict(
  tx: Queryable,
  messageId: string,
  screening: Screening,
  now: Date,
): Promise<void> {
  if (screening.shadow === undefined) return;
  await tx.query(
    `INSERT INTO shadow_verdicts (message_id, live_policy, live_verdict, candidate_policy, candidate_verdict,
       candidate_rules, stage, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      messageId,
      screening.shadow.livePolicy,
      screening.verdict,
      screening.shadow.candidatePolicy,
      screening.shadow.verdict,
      screening.shadow.rules,
      screening.stage,
      now,
    ],
  );
}

async function insertMessage(
  q: Queryable,
  message: { id: string; senderId: string; text: string },
  relationshipId: string,
  seq: number,
  now: Date,
  screening: Screening,
  delivery: MessageDelivery,
  screened: AuditEntry,
  signals: readonly SignalRecord[],
): Promise<StoredMessage> {
  const entries = [screened, ...signals.map(signalAuditEntry)];
  const inserted = await q.query<MessageRow>(
    `WITH stored AS (
       INSERT INTO messages (id, relationship_id, sender_id, text, sent_at, verdict, delivery, shown_text, stage, scan, seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $16) RETURNING ${MESSAGE_COLUMNS}),
     signals AS (
       INSERT INTO signal_events (account_id, relationship_id, signal, at, message_id, weight)
       SELECT stored.sender_id, stored.relationship_id, u.signal, $5, stored.id, 1
       FROM stored, unnest($11::text[]) WITH ORDINALITY AS u(signal, n) ORDER BY u.n),
     entries AS (
       INSERT INTO audit_log (at, actor_id, event, subject_id, reason, change)
       SELECT $5, u.actor_id, u.event, u.subject_id, '', u.change::jsonb
       FROM stored, unnest($12::text[], $13::text[], $14::text[], $15::text[])
         WITH ORDINALITY AS u(actor_id, event, subject_id, change, n) ORDER BY u.n)
     SELECT ${MESSAGE_COLUMNS} FROM stored`,
    [
      message.id,
      relationshipId,
      message.senderId,
      message.text,
      now,
      screening.verdict,
      delivery,
      screening.shownText,
      screening.stage,
      JSON.stringify(screening.scan),
      signals.map((e) => e.signal),
      entries.map((e) => e.actorId),
      entries.map((e) => e.event),
      entries.map((e) => e.subjectId ?? null),
      entries.map((e) => JSON.stringify(e.change ?? {})),
      seq,
    ],
    "leakguard_send_write",
  );
  const stored = inserted.rows[0];
  if (stored === undefined) throw new Error(`message ${message.id} could not be read back`);
  return messageOf(stored);
}

/** The same message sent again under its id: answered as the first time; another message under it is refused. */
function replayOf(
  first: StoredMessage,
  relationshipId: string,
  message: { id: string; senderId: string; text: string },
): Result<SendOutcome, PeopleCode> {
  // An erased original cannot be compared: the id (derived from the sender and their key) has to do.
  if (
    first.relationshipId !== relationshipId ||
    first.senderId !== message.senderId ||
    (first.erasedAt === undefined && first.text !== message.text)
  )
    return err("message_id_reused", `message id ${message.id} was used for another message`);
  return ok({ kind: "stored", message: first });
}

/** The red flags the screening raised about the sender, as recorded with the message. */
function signalRecordsOf(
  message: { id: string; senderId: string },
  relationshipId: string,
  screening: Screening,
  now: Date,
): SignalRecord[] {
  return screening.signals.map((signal) => ({
    accountId: message.senderId,
    relationshipId,
    signal,
    at: now,
    messageId: message.id,
  }));
}

/** Every verdict, allow included, is logged: the record of what the engine decided and when. */
function screenedEntry(
  message: { id: string; senderId: string; recipientId: string },
  relationshipId: string,
  screening: Screening,
  delivery: MessageDelivery,
  now: Date,
): AuditEntry {
  return {
    at: now,
    actorId: message.senderId,
    event: "message.screened",
    subjectId: message.senderId,
    change: {
      messageId: message.id,
      relationshipId,
      recipientId: message.recipientId,
      verdict: screening.verdict,
      delivery,
      stage: screening.stage,
    },
  };
}

/**
 * The send as it was before readSendState: each read and write a statement of
 * its own, in one transaction. Kept for a pair's first message, which forms
 * the pair.
 */
async function sendMessageStepByStep(
  db: Db,
  message: { id: string; senderId: string; recipientId: string; text: string },
  now: Date,
  screen: (context: MessageContext) => Screening,
  options: { confirmed?: boolean; signals?: SignalTuning } = {},
): Promise<Result<SendOutcome, PeopleCode>> {
  return db.transaction(async (tx) => {
    const sender = await getAccount(tx, message.senderId);
    if (sender === null) return err("account_not_found", `no account ${message.senderId}`);
    if (sender.status !== "active")
      return err("account_cannot_act", `account ${sender.id} is ${sender.status}`);
    // The sender was just read: only the recipient is (relationshipFor would read both again).
    const recipient = await getAccount(tx, message.recipientId);
    if (recipient === null) return err("account_not_found", `no account ${message.recipientId}`);
    const [client, freelancer] = sender.role === "client" ? [sender, recipient] : [recipient, sender];
    const pair = await relationshipOfAccounts(tx, client, freelancer, now);
    if (!pair.ok) return pair;
    const first = await messageById(tx, message.id);
    if (first !== null) return replayOf(first, pair.value.id, message);
    const { context, lastSeq } = await contextAndPlaceOf(tx, pair.value);
    const screening = screen(context);
    if (screening.delivery === "confirm" && options.confirmed !== true)
      return ok({ kind: "needs_confirmation", relationshipId: pair.value.id, screening });
    const delivery: MessageDelivery = screening.delivery === "hold" ? "held" : "delivered";
    const screened = screenedEntry(message, pair.value.id, screening, delivery, now);
    const signals = signalRecordsOf(message, pair.value.id, screening, now);
    const stored = await insertMessage(
      tx,
      message,
      pair.value.id,
      lastSeq + 1,
      now,
      screening,
      delivery,
      screened,
      signals,
    );
    await emitWebhookOf(tx, screened);
    await recordHandles(tx, message.senderId, message.id, screening.handleHashes ?? [], now);
    await recordShadowVerdict(tx, message.id, screening, now);
    await recordNewAccountContactBurst(tx, message.senderId, message.id, pair.value.id, now);
    await openCaseIfDue(
      tx,
      message.senderId,
      delivery === "held" ? "held_message" : "message",
      now,
      options.signals,
    );
    return ok({ kind: "stored", message: stored });
  });
}

/**
 * What a screening needs of a pair: its contracts and recent messages, read in
 * one statement (a round trip to the database is most of a pre-send check's cost).
 */
async function contextOf(tx: Queryable, pair: Relationship): Promise<MessageContext> {
  return (await contextAndPlaceOf(tx, pair, false)).context;
}

/** contextOf and, for a send (`withPlace`), the place of the pair's last message, read in the same statement. */
async function contextAndPlaceOf(
  tx: Queryable,
  pair: Relationship,
  withPlace = true,
): Promise<{ context: MessageContext; lastSeq: number }> {
  const row = (
    await tx.query<{ contracts: unknown; recent: unknown; last_seq?: string | number }>(
      `SELECT (${CONTRACTS_SQL("$1", "$2")}) AS contracts, (${RECENT_SQL("$3", "$4")}) AS recent
              ${withPlace ? `, (${LAST_SEQ_SQL("$3")}) AS last_seq` : ""}`,
      [pair.clientId, pair.freelancerId, pair.id, RECENT],
    )
  ).rows[0];
  return {
    context: contextFrom(pair, row?.contracts ?? [], row?.recent ?? []),
    lastSeq: Number(row?.last_seq ?? 0),
  };
}

/** SQL: a pair's contracts with their milestones' statuses, one JSON row per milestone (or contract without). */
const CONTRACTS_SQL = (clientId: string, freelancerId: string): string =>
  `SELECT COALESCE(json_agg(json_build_object('id', c.id, 'kind', c.kind, 'status', m.status,
            'ended', c.ended_at IS NOT NULL)), '[]')
     FROM contracts c LEFT JOIN milestones m ON m.contract_id = c.id
    WHERE c.client_id = ${clientId} AND c.freelancer_id = ${freelancerId}`;

/** SQL: a pair's `limit` most recent messages, oldest first, as JSON. */
const RECENT_SQL = (relationshipId: string, limit: string): string =>
  `SELECT COALESCE(json_agg(json_build_object('senderId', r.sender_id, 'text', r.text) ORDER BY r.seq), '[]')
     FROM (SELECT sender_id, COALESCE(text, shown_text, '') AS text, seq FROM messages
            WHERE relationship_id = ${relationshipId} ORDER BY seq DESC LIMIT ${limit}) r`;

/** SQL: the place of a pair's last message in its conversation (0: none yet), read with its recent messages. */
const LAST_SEQ_SQL = (relationshipId: string): string =>
  `SELECT COALESCE(MAX(seq), 0) FROM messages WHERE relationship_id = ${relationshipId}`;

/** The unique index that refuses a second message at one place of a conversation (migration 20261203T1900). */
const PAIR_SEQUENCE = "messages_pair_seq";

/** How often a send screens again after other messages of its pair were stored while it was screened. */
const SEND_ATTEMPTS = 10;

function isPairSequenceConflict(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { code?: unknown }).code === "23505" &&
    (error as { constraint?: unknown }).constraint === PAIR_SEQUENCE
  );
}

/** The context from CONTRACTS_SQL's and RECENT_SQL's JSON. */
function contextFrom(pair: Relationship, contracts: unknown, recent: unknown): MessageContext {
  // Both engines parse json columns; a string is parsed here in case a driver does not.
  const parsed = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;
  const rows =
    parsed<{ id: string; kind: "fixed_price" | "hourly"; status: string | null; ended: boolean }[]>(
      contracts,
    );
  const byId = new Map<string, ContractState & { milestoneStatuses: string[] }>();
  for (const r of rows) {
    const c = byId.get(r.id) ?? { kind: r.kind, milestoneStatuses: [], ended: r.ended };
    if (r.status !== null) c.milestoneStatuses.push(r.status);
    byId.set(r.id, c);
  }
  return {
    pair,
    contracts: [...byId.values()],
    recent: parsed<{ senderId: string; text: string }[]>(recent).map((r) => ({
      senderId: r.senderId,
      text: r.text,
    })),
  };
}

/**
 * The context a message from `sender` (as the caller read it) to `recipientId`
 * would be screened in, read without writing anything: for a pre-send check.
 * A pair not yet formed is judged as one formed now, with no contracts and no
 * messages. The recipient and the pair come in one statement, the pair's
 * contracts and messages in a second.
 */
export async function messageContextFor(
  db: Queryable,
  sender: Account,
  recipientId: string,
  now: Date,
): Promise<Result<MessageContext, PeopleCode>> {
  // The pair's sides follow the sender's role: a client writes to a freelancer, a freelancer to a client.
  const pairOn =
    sender.role === "client"
      ? "r.client_id = $2 AND r.freelancer_id = a.id"
      : "r.client_id = a.id AND r.freelancer_id = $2";
  const row = (
    await db.query<AccountRow & { [K in keyof RelationshipRow as `r_${K}`]: RelationshipRow[K] | null }>(
      `SELECT ${ACCOUNT_COLUMNS.split(", ")
        .map((c) => `a.${c}`)
        .join(", ")}, ${RELATIONSHIP_COLUMNS.split(", ")
        .map((c) => `r.${c} AS r_${c}`)
        .join(", ")}
       FROM accounts a LEFT JOIN relationships r ON ${pairOn} WHERE a.id = $1`,
      [recipientId, sender.id],
    )
  ).rows[0];
  if (row === undefined) return err("account_not_found", `no account ${recipientId}`);
  const recipient = accountOf(row);
  const [client, freelancer] = sender.role === "client" ? [sender, recipient] : [recipient, sender];
  if (client.role !== "client" || freelancer.role !== "freelancer")
    return err("not_a_pair", "a relationship is between a client and a freelancer");
  const existing =
    row.r_id === null
      ? null
      : relationshipOf({
          id: row.r_id,
          client_id: row.r_client_id ?? "",
          freelancer_id: row.r_freelancer_id ?? "",
          identified_at: row.r_identified_at ?? now,
          conversion_paid_at: row.r_conversion_paid_at,
        });
  return ok(
    await contextOf(
      db,
      existing ?? { id: "", clientId: client.id, freelancerId: freelancer.id, identifiedAt: now },
    ),
  );
}

interface MessageRow extends Record<string, unknown> {
  id: string;
  relationship_id: string;
  sender_id: string;
  text: string | null;
  shown_text: string | null;
  verdict: StoredMessage["verdict"];
  delivery: MessageDelivery;
  sent_at: Date;
  stage: string | null;
  scan: unknown;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  erased_at: Date | null;
}

const MESSAGE_COLUMNS =
  "id, relationship_id, sender_id, text, shown_text, verdict, delivery, sent_at, stage, scan, reviewed_by, reviewed_at, erased_at";

function messageOf(r: MessageRow): StoredMessage {
  return {
    id: r.id,
    relationshipId: r.relationship_id,
    senderId: r.sender_id,
    text: r.text ?? r.shown_text ?? "",
    shownText: r.shown_text ?? r.text ?? "",
    verdict: r.verdict,
    delivery: r.delivery,
    sentAt: new Date(r.sent_at),
    ...(r.stage === null ? {} : { stage: r.stage }),
    ...(r.scan === null
      ? {}
      : { scan: typeof r.scan === "string" ? (JSON.parse(r.scan) as unknown) : r.scan }),
    ...(r.reviewed_by === null ? {} : { reviewedBy: r.reviewed_by }),
    ...(r.reviewed_at === null ? {} : { reviewedAt: new Date(r.reviewed_at) }),
    ...(r.erased_at === null ? {} : { erasedAt: new Date(r.erased_at) }),
  };
}

export async function messageById(db: Queryable, id: string, lock = false): Promise<StoredMessage | null> {
  const row = (
    await db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1${lock ? " FOR UPDATE" : ""}`,
      [id],
    )
  ).rows[0];
  return row === undefined ? null : messageOf(row);
}

/** A pair's messages, oldest first, as stored (the caller decides what each viewer may see). */
export async function messagesOf(
  db: Queryable,
  relationshipId: string,
  limit = 200,
): Promise<StoredMessage[]> {
  return (
    await db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE relationship_id = $1 ORDER BY seq LIMIT $2`,
      [relationshipId, limit],
    )
  ).rows.map(messageOf);
}

/** The messages an account sent that the engine did not simply allow, newest first: a case's evidence. */
export async function flaggedMessagesOf(
  db: Queryable,
  senderId: string,
  limit = 50,
): Promise<StoredMessage[]> {
  return (
    await db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sender_id = $1 AND verdict <> 'allow'
       ORDER BY sent_at DESC, id DESC LIMIT $2`,
      [senderId, limit],
    )
  ).rows.map(messageOf);
}

/** Held messages waiting for an agent, oldest first. */
export async function heldMessages(db: Queryable, limit = 200): Promise<StoredMessage[]> {
  return (
    await db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE delivery = 'held' ORDER BY sent_at, id LIMIT $1`,
      [limit],
    )
  ).rows.map(messageOf);
}

export type ReviewCode = "message_not_found" | "message_not_held";

/** An agent releases (delivers) or rejects a held message, once, under its row lock. */
export async function reviewHeldMessage(
  db: Db,
  id: string,
  decision: "release" | "reject",
  agentId: string,
  now: Date,
): Promise<Result<StoredMessage, ReviewCode>> {
  return db.transaction((tx) => reviewHeldMessageIn(tx, id, decision, agentId, now));
}

/** reviewHeldMessage inside the caller's transaction (a case action releases or rejects with its own record). */
export async function reviewHeldMessageIn(
  tx: Queryable,
  id: string,
  decision: "release" | "reject",
  agentId: string,
  now: Date,
  caseId?: string,
): Promise<Result<StoredMessage, ReviewCode>> {
  const m = await messageById(tx, id, true);
  if (m === null) return err("message_not_found", `no message ${id}`);
  if (m.delivery !== "held") return err("message_not_held", `message ${id} is ${m.delivery}, not held`);
  const delivery = decision === "release" ? "delivered" : "rejected";
  await tx.query("UPDATE messages SET delivery = $2, reviewed_by = $3, reviewed_at = $4 WHERE id = $1", [
    id,
    delivery,
    agentId,
    now,
  ]);
  await audit(tx, {
    at: now,
    actorId: agentId,
    event: "message.reviewed",
    subjectId: m.senderId,
    ...(caseId === undefined ? {} : { caseId }),
    change: { messageId: id, delivery: { from: "held", to: delivery } },
  });
  const after = await messageById(tx, id);
  if (after === null) throw new Error(`message ${id} could not be read back`);
  return ok(after);
}

/** Records a reminder shown for a message not yet sent; the token comes back with the confirmation. */
export async function recordNudge(
  db: Queryable,
  nudge: {
    tokenHash: string;
    senderId: string;
    recipientId: string;
    textHash: string;
    now: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO message_nudges (token_hash, sender_id, recipient_id, text_hash, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [nudge.tokenHash, nudge.senderId, nudge.recipientId, nudge.textHash, nudge.now, nudge.expiresAt],
  );
}

/**
 * Spends a confirmation token on one message: it must be the sender's, for
 * this recipient and this very text, not expired, and unused (or used for
 * this same message id, so a retried send is answered alike).
 */
export async function useNudge(
  db: Db,
  use: {
    tokenHash: string;
    senderId: string;
    recipientId: string;
    textHash: string;
    messageId: string;
    now: Date;
  },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const row = (
      await tx.query<{
        sender_id: string;
        recipient_id: string;
        text_hash: string;
        expires_at: Date;
        used_for_message: string | null;
      }>(
        "SELECT sender_id, recipient_id, text_hash, expires_at, used_for_message FROM message_nudges WHERE token_hash = $1 FOR UPDATE",
        [use.tokenHash],
      )
    ).rows[0];
    if (
      row === undefined ||
      row.sender_id !== use.senderId ||
      row.recipient_id !== use.recipientId ||
      row.text_hash !== use.textHash ||
      new Date(row.expires_at).getTime() < use.now.getTime() ||
      (row.used_for_message !== null && row.used_for_message !== use.messageId)
    )
      return false;
    await tx.query("UPDATE message_nudges SET used_for_message = $2 WHERE token_hash = $1", [
      use.tokenHash,
      use.messageId,
    ]);
    return true;
  });
}

export type ReportReason = "off_platform_payment" | "contact_details" | "off_platform_work" | "other";

export interface MessageReport {
  messageId: string;
  reporterId: string;
  reason: ReportReason;
  note: string;
  reportedAt: Date;
}

export type ReportCode = "message_not_found" | "cannot_report_own_message";

/**
 * The recipient reports a message delivered to them, once: a second report of
 * the same message by the same person answers with the first. The report
 * raises a `counterparty_report` signal about the sender, in the same transaction.
 */
export async function reportMessage(
  db: Db,
  report: { messageId: string; reporterId: string; reason: ReportReason; note: string },
  now: Date,
  signals?: SignalTuning,
): Promise<Result<{ report: MessageReport; first: boolean }, ReportCode>> {
  return db.transaction(async (tx) => {
    const m = await messageById(tx, report.messageId, true);
    if (m === null || m.delivery !== "delivered")
      return err("message_not_found", `no message ${report.messageId} delivered to you`);
    if (m.senderId === report.reporterId)
      return err("cannot_report_own_message", "a message is reported by the one it was sent to");
    const inserted = await tx.query(
      `INSERT INTO message_reports (message_id, reporter_id, reason, note, reported_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (message_id, reporter_id) DO NOTHING RETURNING message_id`,
      [report.messageId, report.reporterId, report.reason, report.note, now],
    );
    const first = inserted.rows.length > 0;
    if (first) {
      const weight = await reporterWeight(tx, report.reporterId);
      await audit(tx, {
        at: now,
        actorId: report.reporterId,
        event: "report.filed",
        subjectId: m.senderId,
        reason: report.reason,
        change: { messageId: m.id, note: report.note, weight },
      });
      await recordSignal(tx, {
        accountId: m.senderId,
        relationshipId: m.relationshipId,
        signal: "counterparty_report",
        at: now,
        messageId: m.id,
        ...(weight < 1 ? { weight } : {}),
      });
      // A reporter whose reports keep being dismissed no longer opens a case alone; the signal still counts.
      await openCaseIfDue(
        tx,
        m.senderId,
        weight >= MIN_WEIGHT_TO_OPEN_CASE ? "report" : "message",
        now,
        signals,
      );
    }
    const row = (
      await tx.query<{ reason: ReportReason; note: string; reported_at: Date }>(
        "SELECT reason, note, reported_at FROM message_reports WHERE message_id = $1 AND reporter_id = $2",
        [report.messageId, report.reporterId],
      )
    ).rows[0];
    if (row === undefined) throw new Error("the report could not be read back");
    return ok({
      report: {
        messageId: report.messageId,
        reporterId: report.reporterId,
        reason: row.reason,
        note: row.note,
        reportedAt: new Date(row.reported_at),
      },
      first,
    });
  });
}

/** Below this weight (three dismissed reports) a report raises its signal but does not open a case by itself. */
const MIN_WEIGHT_TO_OPEN_CASE = 0.5;

/**
 * How much a reporter's next report counts: in full until two of their
 * reports have been dismissed, then half for each further dismissal
 * (2 dismissed: 1/2, 3: 1/4, ...), never below 1/64. One dismissal is an
 * honest mistake; a pattern is noise, or abuse of the report button.
 */
export async function reporterWeight(db: Queryable, reporterId: string): Promise<number> {
  const row = (
    await db.query<{ n: string }>(
      "SELECT COUNT(*)::text AS n FROM dismissed_reports WHERE reporter_id = $1",
      [reporterId],
    )
  ).rows[0];
  const dismissed = Number(row?.n ?? 0);
  return dismissed < 2 ? 1 : Math.max(1 / 64, 0.5 ** (dismissed - 1));
}

/** Reports, newest first (for the trust & safety team). */
export async function reportsList(
  db: Queryable,
  limit = 200,
): Promise<(MessageReport & { senderId: string; dismissed: boolean })[]> {
  return (
    await db.query<{
      message_id: string;
      reporter_id: string;
      reason: ReportReason;
      note: string;
      reported_at: Date;
      sender_id: string;
      dismissed: boolean;
    }>(
      `SELECT r.message_id, r.reporter_id, r.reason, r.note, r.reported_at, m.sender_id,
         (d.message_id IS NOT NULL) AS dismissed
       FROM message_reports r JOIN messages m ON m.id = r.message_id
       LEFT JOIN dismissed_reports d ON d.message_id = r.message_id AND d.reporter_id = r.reporter_id
       ORDER BY r.reported_at DESC LIMIT $1`,
      [limit],
    )
  ).rows.map((r) => ({
    messageId: r.message_id,
    reporterId: r.reporter_id,
    reason: r.reason,
    note: r.note,
    reportedAt: new Date(r.reported_at),
    senderId: r.sender_id,
    dismissed: r.dismissed,
  }));
}

/**
 * Records where each handle was seen. When an account is first seen with a
 * handle other accounts already used, each of them (the newcomer included)
 * gets a `handle_shared_across_accounts` signal: the link is news to all.
 */
async function recordHandles(
  tx: Queryable,
  accountId: string,
  messageId: string,
  handles: readonly { kind: string; hash: string }[],
  now: Date,
): Promise<boolean> {
  if (handles.length === 0) return false;
  // One statement for all of a message's handles, and one for the signals they raise (two statements per
  // handle before, two more per account linked). A handle listed twice is inserted once, as one at a time did.
  const sightings = (
    await tx.query<{ handle_hash: string; others: string[] }>(
      `WITH inserted AS (
         INSERT INTO handle_sightings (handle_hash, kind, account_id, first_message_id, first_seen_at)
         SELECT u.hash, u.kind, $3, $4, $5 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(hash, kind, n)
         ORDER BY u.n
         ON CONFLICT (handle_hash, account_id) DO NOTHING RETURNING handle_hash)
       SELECT i.handle_hash,
         ARRAY(SELECT o.account_id FROM handle_sightings o WHERE o.handle_hash = i.handle_hash AND o.account_id <> $3)
           AS others
       FROM inserted i`,
      [handles.map((h) => h.hash), handles.map((h) => h.kind), accountId, messageId, now],
      "leakguard_send_handles",
    )
  ).rows;
  const othersOf = new Map(sightings.map((r) => [r.handle_hash, r.others]));
  const signals: SignalRecord[] = [];
  for (const h of handles) {
    const others = othersOf.get(h.hash);
    othersOf.delete(h.hash);
    if (others === undefined || others.length === 0) continue;
    // The link is news to all: the newcomer and each account that already used the handle.
    for (const id of [accountId, ...others])
      signals.push({ accountId: id, signal: "handle_shared_across_accounts", at: now, messageId });
  }
  await recordSignals(tx, signals);
  return signals.length > 0;
}

export interface LinkedAccount {
  accountId: string;
  /** The handles shared, by kind and a prefix of the keyed hash (never the handle itself). */
  shared: { kind: string; hashPrefix: string }[];
}

/** The accounts that share at least one handle with `accountId`. */
export async function linkedAccounts(db: Queryable, accountId: string): Promise<LinkedAccount[]> {
  const rows = (
    await db.query<{ account_id: string; kind: string; handle_hash: string }>(
      `SELECT o.account_id, o.kind, o.handle_hash FROM handle_sightings m
       JOIN handle_sightings o ON o.handle_hash = m.handle_hash AND o.account_id <> m.account_id
       WHERE m.account_id = $1 ORDER BY o.account_id, o.kind, o.handle_hash`,
      [accountId],
    )
  ).rows;
  const byAccount = new Map<string, LinkedAccount>();
  for (const r of rows) {
    const entry = byAccount.get(r.account_id) ?? { accountId: r.account_id, shared: [] };
    entry.shared.push({ kind: r.kind, hashPrefix: r.handle_hash.slice(0, 12) });
    byAccount.set(r.account_id, entry);
  }
  return [...byAccount.values()];
}

/** A secret this database keeps for a deployment that did not configure one: made once, then read. */
export async function instanceSecret(db: Queryable, name: string, make: () => string): Promise<string> {
  await db.query("INSERT INTO instance_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [
    name,
    make(),
  ]);
  const row = (
    await db.query<{ value: string }>("SELECT value FROM instance_secrets WHERE name = $1", [name])
  ).rows[0];
  if (row === undefined) throw new Error(`instance secret ${name} could not be read back`);
  return row.value;
}
