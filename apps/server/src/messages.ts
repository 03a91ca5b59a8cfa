import { createHash, createHmac, randomBytes } from "node:crypto";
import { type Account, hasScope } from "@leakguard/domain";
import {
  getRelationship,
  hasGrant,
  heldMessages,
  messageById,
  messageContextFor,
  messagesOf,
  type Queryable,
  recordNudge,
  recordOriginalsViewed,
  redactDetails,
  reportMessage,
  reportsList,
  reviewHeldMessage,
  type StoredMessage,
  scanWithoutValues,
  sendMessage,
  useNudge,
} from "@leakguard/store";
import { ConversationCache } from "@leakguard/trust";
import { z } from "zod";
import type { Caller } from "./auth.js";
import {
  actorFor,
  callerHas,
  creationId,
  errors,
  fail,
  Id,
  IdempotencyKey,
  type RouteDeps,
  type ZodApp,
} from "./http.js";
import type { Verdict } from "./observability.js";
import { type ScreeningRecord, screening } from "./screening.js";

/** How long a reminder's confirmation token is good for. */
const NUDGE_TTL_MS = 15 * 60_000;

const ExplanationSchema = z.object({ rule: z.string(), message: z.string() });

export const MessageSchema = z.object({
  id: z.string(),
  relationshipId: z.string(),
  senderId: z.string(),
  text: z
    .string()
    .describe(
      "what this caller may read: the original for its sender and for staff holding read_originals; for other staff the text with each detail the engine found replaced (`originalHidden`); what was delivered for the recipient; once erased, what was shown",
    ),
  verdict: z.enum(["allow", "nudge", "mask", "hold"]),
  delivery: z
    .enum(["delivered", "held", "rejected"])
    .describe("held: under review, not delivered; rejected: an agent refused it"),
  sentAt: z.string().describe("ISO 8601, UTC"),
  shownText: z.string().optional().describe("for the sender and agents: what the recipient is shown"),
  originalHidden: z
    .literal(true)
    .optional()
    .describe(
      "staff without read_originals: an original with details exists and `text` hides them (an admin grants the scope)",
    ),
  erasedAt: z
    .string()
    .optional()
    .describe("retention erased the original then: nobody can read it; verdict, rules and spans stay"),
  explanations: z
    .array(ExplanationSchema)
    .optional()
    .describe("for the sender and agents: why, quoting the policy"),
  findings: z
    .array(
      z.object({
        rule: z.string(),
        kind: z.string(),
        start: z.number(),
        end: z.number(),
        value: z
          .string()
          .optional()
          .describe("a detail's value only for staff holding read_originals, and only until erased"),
        confidence: z.number(),
        assembled: z
          .boolean()
          .optional()
          .describe(
            "pieced together from this message and the sender's earlier ones: value is the whole detail",
          ),
      }),
    )
    .optional()
    .describe("agents only: what the engine found, with spans in the original text"),
});

type MessageView = z.infer<typeof MessageSchema>;

/**
 * Who reads messages and how: a party to the pair (their own originals, what
 * was delivered to them) or staff (agents, admins, the platform's key acting
 * as nobody), who read originals only with the `read_originals` grant.
 */
export interface Reader {
  acting: Account | null;
  via: "session" | "platform_key";
  staff: boolean;
  originals: boolean;
}

/**
 * The platform's key acting as nobody is the platform itself (server to
 * server, e.g. its own moderation tooling): it reads originals, and each view
 * is logged with a null actor and `via: platform_key`. Acting as an account,
 * the key has that account's reach, grants included; an account that is not
 * active reads no original.
 */
export async function readerOf(db: Queryable, caller: Caller): Promise<Reader> {
  const acting = caller.actingAs;
  const via = caller.kind === "session" ? "session" : "platform_key";
  if (acting === null) return { acting, via, staff: true, originals: true };
  const staff = hasScope(acting, "review_messages");
  // A restricted agent or admin still reads, as their role allows, but no original: the grant waits on their status.
  const originals = staff && acting.status === "active" && (await hasGrant(db, acting.id, "read_originals"));
  return { acting, via, staff, originals };
}

/**
 * One message as `reader` may see it: staff see everything, originals only
 * with the grant; the sender sees their original and why it was treated so;
 * the recipient sees only what was delivered to them, as shown (masked where
 * details were masked). `revealed`: the view shows details a masked view hides.
 */
function viewOf(m: StoredMessage, reader: Reader): { view: MessageView; revealed: boolean } | null {
  if (reader.staff) return staffView(m, reader.originals);
  const erased = m.erasedAt === undefined ? {} : { erasedAt: m.erasedAt.toISOString() };
  const { findings: _agentsOnly, ...own } = staffView(m, true).view;
  if (reader.acting?.id === m.senderId) return { view: { ...own, ...erased }, revealed: false };
  if (m.delivery !== "delivered") return null;
  const { shownText: _same, explanations: _sendersOnly, ...delivered } = own;
  return { view: { ...delivered, text: m.shownText, ...erased }, revealed: false };
}

/** Everything about a message, for staff: the original (with the grant) or the text with details hidden, what was shown, why, the findings. */
export function staffView(m: StoredMessage, originals: boolean): { view: MessageView; revealed: boolean } {
  const erasedAt = m.erasedAt;
  const redacted = erasedAt !== undefined ? m.text : redactDetails(m.text, m.scan);
  const hides = redacted !== m.text;
  const show = originals || !hides;
  const record = (show ? m.scan : scanWithoutValues(m.scan)) as Partial<ScreeningRecord> | undefined;
  return {
    view: {
      id: m.id,
      relationshipId: m.relationshipId,
      senderId: m.senderId,
      verdict: m.verdict,
      delivery: m.delivery,
      sentAt: m.sentAt.toISOString(),
      text: show ? m.text : redacted,
      // A held or nudged message is shown as typed: the masked view hides its details there too.
      shownText: show || m.shownText !== m.text ? m.shownText : redacted,
      ...(show ? {} : { originalHidden: true as const }),
      ...(erasedAt === undefined ? {} : { erasedAt: erasedAt.toISOString() }),
      explanations: record?.explanations ?? [],
      findings: record?.findings ?? [],
    },
    revealed: show && hides,
  };
}

/**
 * Views of `messages` for `reader`, and, when any shows an original, one
 * `original.viewed` audit row (who, which messages, which endpoint) written
 * before the response leaves.
 */
export async function presentMessages(
  db: Queryable,
  reader: Reader,
  messages: readonly StoredMessage[],
  endpoint: string,
  at: Date,
  caseId?: string,
): Promise<MessageView[]> {
  const views: MessageView[] = [];
  const revealed: { id: string; senderId: string }[] = [];
  for (const m of messages) {
    const v = viewOf(m, reader);
    if (v === null) continue;
    views.push(v.view);
    if (v.revealed) revealed.push({ id: m.id, senderId: m.senderId });
  }
  await recordOriginalsViewed(db, {
    at,
    viewerId: reader.acting?.id ?? null,
    via: reader.via,
    endpoint,
    messages: revealed,
    ...(caseId === undefined ? {} : { caseId }),
  });
  return views;
}

/** The route of a request as logged with a view of originals ("GET /v1/messages/held"). */
export const endpointOf = (request: { method: string; routeOptions: { url?: string | undefined } }): string =>
  `${request.method} ${request.routeOptions.url ?? ""}`;

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

export function messageRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now, config, handleKey, policy, shadowPolicy, metrics, readCache, scanMemo } = deps;
  // A nudged text is bound to its token by a hash. Keyed, because a nudged text that is never sent is
  // stored nowhere else, and an unkeyed SHA-256 of a short text (a phone number alone) is found by trying them all.
  const keyedTextHash = (text: string): string =>
    createHmac("sha256", handleKey).update(`nudge-text\n${text}`).digest("hex");
  // The scans of messages already read (scanMemo) serve both caches when they build a conversation's scanner
  // again: the pair's oldest message dropped out of the 20 read, or another process took the pair's last send.
  const memo = scanMemo ?? undefined;
  // Checks come as the user types: many texts against one conversation, which is then read once.
  const conversations = new ConversationCache(1_000, memo);
  // Sends keep the scanner that judged each message: the pair's next send reads only itself, not the pair's
  // recent messages again (while the pair has fewer than the 20 read). Measured in docs/benchmarks.md.
  const sentConversations = new ConversationCache(1_000, memo);

  r.post(
    "/messages",
    {
      schema: {
        summary: "Send a message to the other side of a pair (acting as the sender); it is screened first",
        description: [
          "The engine judges the message in the pair's stage (an active contract or not) and with the conversation's recent messages.",
          "`allow`: delivered (201). `mask`: delivered with the details hidden (201). `hold`: stored but not delivered until an agent releases it (201, `delivery: held`).",
          "`nudge`: not sent; the answer is 202 with the reminder and a `confirmationToken`: send the same text again with the token to send it anyway.",
          "With an `Idempotency-Key`, sending the same message again stores it once and returns the first answer; the same key for another message is `message_id_reused`.",
        ].join(" "),
        headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
        body: z.object({
          recipientId: Id,
          text: z.string().min(1).max(20_000),
          confirmationToken: z
            .string()
            .max(200)
            .optional()
            .describe("the token of a reminder the sender has read, to send a nudged message anyway"),
        }),
        response: {
          201: MessageSchema,
          202: z.object({
            status: z.literal("confirmation_required"),
            verdict: z.literal("nudge"),
            explanations: z.array(ExplanationSchema),
            confirmationToken: z.string(),
            expiresAt: z.string(),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const sender = request.caller.actingAs;
      if (sender === null) return fail(reply, "invalid_request", "name the sender in Leakguard-Act-As");
      const { recipientId, text, confirmationToken } = request.body;
      const id = creationId("msg", sender.id, request.headers["idempotency-key"]);
      const at = now();
      if (confirmationToken !== undefined) {
        const spent = await useNudge(db, {
          tokenHash: sha256(confirmationToken),
          senderId: sender.id,
          recipientId,
          textHash: keyedTextHash(text),
          messageId: id,
          now: at,
        });
        if (!spent)
          return fail(
            reply,
            "confirmation_invalid",
            "this confirmation token is not for this message, has expired or was used; send the message again to get a new one",
          );
      }
      const screen = screening(sender, text, at, config, {
        confirmed: confirmationToken !== undefined,
        handleKey,
        basePolicy: policy,
        ...(shadowPolicy === undefined ? {} : { shadowPolicy }),
        conversations: sentConversations,
        keepJudged: true,
      });
      // Counted once the store has taken the answer: a replay of a stored message is not screened again.
      let verdict: Verdict | undefined;
      const sent = await sendMessage(
        db,
        { id, senderId: sender.id, recipientId, text },
        at,
        (context) => {
          const s = screen(context);
          verdict = s.verdict;
          return s;
        },
        {
          confirmed: confirmationToken !== undefined,
          ...(config.trust.signals === undefined ? {} : { signals: config.trust.signals }),
        },
      );
      if (!sent.ok) return fail(reply, sent.code, sent.message);
      if (verdict !== undefined) metrics.verdict(verdict);
      // Stored now (a replay was stored before): the conversation the checks read has changed.
      if (verdict !== undefined && sent.value.kind === "stored")
        readCache?.messageStored({
          id: sent.value.message.relationshipId,
          ...(sender.role === "client"
            ? { clientId: sender.id, freelancerId: recipientId }
            : { clientId: recipientId, freelancerId: sender.id }),
        });
      if (sent.value.kind === "needs_confirmation") {
        const token = `lgn_${randomBytes(24).toString("base64url")}`;
        const expiresAt = new Date(at.getTime() + NUDGE_TTL_MS);
        await recordNudge(db, {
          tokenHash: sha256(token),
          senderId: sender.id,
          recipientId,
          textHash: keyedTextHash(text),
          now: at,
          expiresAt,
        });
        const record = sent.value.screening.scan as ScreeningRecord;
        return reply.code(202).send({
          status: "confirmation_required" as const,
          verdict: "nudge" as const,
          explanations: record.explanations,
          confirmationToken: token,
          expiresAt: expiresAt.toISOString(),
        });
      }
      const [view] = await presentMessages(
        db,
        await readerOf(db, request.caller),
        [sent.value.message],
        endpointOf(request),
        at,
      );
      if (view === undefined) throw new Error("a sender always sees their own message");
      return reply.code(201).send(view);
    },
  );

  r.post(
    "/messages/check",
    {
      schema: {
        summary: "What sending this text would do, without sending it (acting as the sender)",
        description:
          "For showing the policy reminder as the user types: the same screening as a send (stage, pair state, the conversation so far), nothing stored.",
        body: z.object({ recipientId: Id, text: z.string().min(1).max(20_000) }),
        response: {
          200: z.object({
            verdict: z.enum(["allow", "nudge", "mask", "hold"]),
            delivery: z.enum(["deliver", "confirm", "hold"]),
            shownText: z.string().describe("what the recipient would see"),
            explanations: z.array(ExplanationSchema),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const sender = request.caller.actingAs;
      if (sender === null) return fail(reply, "invalid_request", "name the sender in Leakguard-Act-As");
      const at = now();
      const context =
        readCache === null
          ? await messageContextFor(db, sender, request.body.recipientId, at)
          : await readCache.pairContext(sender, request.body.recipientId, at);
      if (!context.ok) return fail(reply, context.code, context.message);
      const screened = screening(sender, request.body.text, at, config, {
        basePolicy: policy,
        conversations,
      })(context.value);
      return {
        verdict: screened.verdict,
        delivery: screened.delivery,
        shownText: screened.shownText,
        explanations: (screened.scan as ScreeningRecord).explanations,
      };
    },
  );

  r.get(
    "/relationships/:id/messages",
    {
      schema: {
        summary: "A pair's messages, oldest first, as the caller may see them",
        description:
          "The recipient sees what was delivered (masked where details were masked), never a held or rejected message; the sender also sees their own originals and why; agents see everything with the findings.",
        params: z.object({ id: Id }),
        response: { 200: z.object({ messages: z.array(MessageSchema) }), ...errors },
      },
    },
    async (request, reply) => {
      const pair = await getRelationship(db, request.params.id);
      // A user outside the pair learns nothing, not even that it exists.
      if (pair === null || actorFor(request.caller.actingAs, pair) === null)
        return fail(reply, "not_found", `no relationship ${request.params.id} you can see`);
      const messages = await messagesOf(db, request.params.id);
      return {
        messages: await presentMessages(
          db,
          await readerOf(db, request.caller),
          messages,
          endpointOf(request),
          now(),
        ),
      };
    },
  );

  r.get(
    "/messages/held",
    {
      schema: {
        summary: "Messages held for review, oldest first (agents, admins)",
        response: { 200: z.object({ messages: z.array(MessageSchema) }), ...errors },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "review_messages"))
        return fail(reply, "forbidden", "held messages are for agents and admins");
      return {
        messages: await presentMessages(
          db,
          await readerOf(db, request.caller),
          await heldMessages(db),
          endpointOf(request),
          now(),
        ),
      };
    },
  );

  const ReportSchema = z.object({
    messageId: z.string(),
    reporterId: z.string(),
    reason: z.enum(["off_platform_payment", "contact_details", "off_platform_work", "other"]),
    note: z.string(),
    reportedAt: z.string(),
  });

  r.post(
    "/messages/:id/report",
    {
      schema: {
        summary: "Report a message delivered to you, with a reason (once per message)",
        description: "Reporting again answers with the first report (200 instead of 201).",
        params: z.object({ id: Id }),
        body: z.object({
          reason: z.enum(["off_platform_payment", "contact_details", "off_platform_work", "other"]),
          note: z.string().max(2_000).default(""),
        }),
        response: { 200: ReportSchema, 201: ReportSchema, ...errors },
      },
    },
    async (request, reply) => {
      const reporter = request.caller.actingAs;
      if (reporter === null) return fail(reply, "invalid_request", "name the reporter in Leakguard-Act-As");
      const m = await messageById(db, request.params.id);
      // Only the other side of the pair may report it; to anyone else it does not exist.
      const pair = m === null ? null : await getRelationship(db, m.relationshipId);
      if (m === null || pair === null || (pair.clientId !== reporter.id && pair.freelancerId !== reporter.id))
        return fail(reply, "message_not_found", `no message ${request.params.id} delivered to you`);
      const reported = await reportMessage(
        db,
        { messageId: m.id, reporterId: reporter.id, reason: request.body.reason, note: request.body.note },
        now(),
        config.trust.signals,
      );
      if (!reported.ok) return fail(reply, reported.code, reported.message);
      const r = reported.value.report;
      return reply
        .code(reported.value.first ? 201 : 200)
        .send({ ...r, reportedAt: r.reportedAt.toISOString() });
    },
  );

  r.get(
    "/reports",
    {
      schema: {
        summary: "Reports of messages, newest first, and folded per message (agents, admins)",
        description:
          "`reports` lists each report; `byMessage` folds the reports of one message into one line, with its reporters and reasons. A report is `dismissed` once an agent dismissed the case it was folded into; a reporter with two or more dismissed reports weighs less.",
        response: {
          200: z.object({
            reports: z.array(ReportSchema.extend({ senderId: z.string(), dismissed: z.boolean() })),
            byMessage: z.array(
              z.object({
                messageId: z.string(),
                senderId: z.string(),
                reporters: z.array(z.string()),
                reasons: z.array(z.string()),
                count: z.number(),
                firstReportedAt: z.string(),
                lastReportedAt: z.string(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "review_messages"))
        return fail(reply, "forbidden", "reports are for trust & safety");
      const reports = await reportsList(db);
      const folded = new Map<
        string,
        {
          messageId: string;
          senderId: string;
          reporters: string[];
          reasons: string[];
          first: Date;
          last: Date;
        }
      >();
      for (const r of reports) {
        const f = folded.get(r.messageId) ?? {
          messageId: r.messageId,
          senderId: r.senderId,
          reporters: [],
          reasons: [],
          first: r.reportedAt,
          last: r.reportedAt,
        };
        f.reporters.push(r.reporterId);
        if (!f.reasons.includes(r.reason)) f.reasons.push(r.reason);
        if (r.reportedAt < f.first) f.first = r.reportedAt;
        if (r.reportedAt > f.last) f.last = r.reportedAt;
        folded.set(r.messageId, f);
      }
      return {
        reports: reports.map((r) => ({ ...r, reportedAt: r.reportedAt.toISOString() })),
        byMessage: [...folded.values()].map((f) => ({
          messageId: f.messageId,
          senderId: f.senderId,
          reporters: f.reporters,
          reasons: f.reasons,
          count: f.reporters.length,
          firstReportedAt: f.first.toISOString(),
          lastReportedAt: f.last.toISOString(),
        })),
      };
    },
  );

  r.post(
    "/messages/:id/:decision",
    {
      schema: {
        summary: "Release (deliver) or reject a held message (agents, admins)",
        params: z.object({ id: Id, decision: z.enum(["release", "reject"]) }),
        response: { 200: MessageSchema, ...errors },
      },
    },
    async (request, reply) => {
      const agent = request.caller.actingAs;
      if (agent === null || !hasScope(agent, "review_messages"))
        return fail(
          reply,
          "not_allowed_for_actor",
          "an agent or admin reviews held messages (the platform key names one with Leakguard-Act-As)",
        );
      const reviewed = await reviewHeldMessage(
        db,
        request.params.id,
        request.params.decision,
        agent.id,
        now(),
      );
      if (!reviewed.ok) return fail(reply, reviewed.code, reviewed.message);
      const [view] = await presentMessages(
        db,
        await readerOf(db, request.caller),
        [reviewed.value],
        endpointOf(request),
        now(),
      );
      if (view === undefined) throw new Error("staff see every message");
      return view;
    },
  );
}
