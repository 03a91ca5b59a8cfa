import { describe, expect, it } from "vitest";
import { auditLogOf } from "./audit.js";
import { listCases } from "./cases.js";
import { engines, migratedDb } from "./engines.test-helper.js";
import { type MessageContext, messagesOf, type Screening, sendMessage } from "./messages.js";
import { createAccount } from "./people.js";
import { screened } from "./screening.test-helper.js";
import { signalEventsOf } from "./signals.js";

const t0 = new Date("2026-03-02T09:00:00Z");
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

// The send reads in one statement and writes in one when nothing else can follow (messages.ts); these pin
// what it writes either way, on both engines.
describe.each(engines)("a send's writes on $name", ({ open }) => {
  const dbOf = migratedDb(open);
  const person = (id: string, role: "client" | "freelancer") =>
    createAccount(dbOf(), id, { role, displayName: id, country: "US", locale: "en-US" });
  const send = (
    id: string,
    from: string,
    to: string,
    text: string,
    when: Date,
    extra: Partial<Screening> = {},
  ) => sendMessage(dbOf(), { id, senderId: from, recipientId: to, text }, when, screened(text, extra));

  it("screens each of many messages sent at once after exactly the messages stored before it", async () => {
    await person("sw_cp", "client");
    await person("sw_fp", "freelancer");
    const seen = new Map<string, string[]>();
    const sendSeeing = (id: string, from: string, to: string, text: string) =>
      sendMessage(dbOf(), { id, senderId: from, recipientId: to, text }, at(5), (context: MessageContext) => {
        // The last screening counts: a message refused its place is screened again after the new ones.
        seen.set(
          id,
          context.recent.map((m) => m.text),
        );
        return screened(text)();
      });
    expect((await sendSeeing("sw_p0", "sw_cp", "sw_fp", "part 0")).ok).toBe(true);
    const sent = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 === 0
          ? sendSeeing(`sw_p${i + 1}`, "sw_fp", "sw_cp", `part ${i + 1}`)
          : sendSeeing(`sw_p${i + 1}`, "sw_cp", "sw_fp", `part ${i + 1}`),
      ),
    );
    expect(sent.every((r) => r.ok)).toBe(true);
    const stored = sent[0]?.ok && sent[0].value.kind === "stored" ? sent[0].value.message.relationshipId : "";
    const conversation = await messagesOf(dbOf(), stored);
    expect(conversation).toHaveLength(9);
    // Same sent_at for all: the order is each message's place, and each was judged after those before it.
    conversation.forEach((m, k) => {
      expect(seen.get(m.id)).toEqual(conversation.slice(0, k).map((before) => before.text));
    });
  });

  it("writes the message, its screening entry, then each signal and its entry, in order; a retry is the first", async () => {
    await person("sw_c1", "client");
    await person("sw_f1", "freelancer");
    expect((await send("sw_m0", "sw_c1", "sw_f1", "hello", at(0))).ok).toBe(true);
    const sent = await send("sw_m1", "sw_f1", "sw_c1", "mail me", at(1), {
      signals: ["contact_before_contract", "details_split_across_messages"],
    });
    expect(sent).toMatchObject({
      ok: true,
      value: { kind: "stored", message: { id: "sw_m1", text: "mail me" } },
    });
    const log = await auditLogOf(dbOf(), { subjectId: "sw_f1" });
    expect(log.map((e) => [e.event, e.change.signal ?? e.change.verdict])).toEqual([
      ["message.screened", "allow"],
      ["signal.recorded", "contact_before_contract"],
      ["signal.recorded", "details_split_across_messages"],
    ]);
    expect(log[1]?.change).toEqual({
      signal: "contact_before_contract",
      relationshipId: sent.ok && sent.value.kind === "stored" ? sent.value.message.relationshipId : "",
      messageId: "sw_m1",
    });
    expect(
      (await signalEventsOf(dbOf(), { accountId: "sw_f1" })).map((e) => [e.signal, e.messageId]),
    ).toEqual([
      ["contact_before_contract", "sw_m1"],
      ["details_split_across_messages", "sw_m1"],
    ]);
    // The same id again: stored once, answered as the first time; another text under it is refused.
    const again = await send("sw_m1", "sw_f1", "sw_c1", "mail me", at(2));
    expect(again).toMatchObject({ ok: true, value: { kind: "stored", message: { id: "sw_m1" } } });
    expect(await send("sw_m1", "sw_f1", "sw_c1", "other", at(2))).toMatchObject({
      ok: false,
      code: "message_id_reused",
    });
    expect(await auditLogOf(dbOf(), { subjectId: "sw_f1" })).toHaveLength(3);
  });

  it("opens a case on the message that takes the sender's risk to the threshold, with its own signals counted", async () => {
    await person("sw_c2", "client");
    await person("sw_f2", "freelancer");
    await send("sw_r0", "sw_c2", "sw_f2", "hi", at(0));
    // off_platform_payment_proposed weighs 30: the second takes the risk to 63 (>= 60); a plain message then
    // raises it again.
    for (const [i, expected] of [
      [1, 0],
      [2, 1],
    ] as const) {
      await send(`sw_r${i}`, "sw_f2", "sw_c2", `detail ${i}`, at(i), {
        signals: ["off_platform_payment_proposed"],
      });
      expect((await listCases(dbOf(), at(i))).filter((c) => c.subjectId === "sw_f2")).toHaveLength(expected);
    }
    const [opened] = (await listCases(dbOf(), at(2))).filter((c) => c.subjectId === "sw_f2");
    expect(opened).toMatchObject({ openedBecause: "risk_threshold", priority: 63 });
    await send("sw_r4", "sw_f2", "sw_c2", "ok", at(4));
    const [after] = (await listCases(dbOf(), at(4))).filter((c) => c.subjectId === "sw_f2");
    expect(after).toMatchObject({ id: opened?.id, updatedAt: at(4) });
  });

  it("links accounts that share a handle, each once, a handle listed twice counted once", async () => {
    await person("sw_c3", "client");
    await person("sw_f3", "freelancer");
    await person("sw_f4", "freelancer");
    const handle = { kind: "email", hash: "sw_hash_1" };
    await send("sw_h0", "sw_c3", "sw_f3", "hi", at(0));
    await send("sw_h1", "sw_f3", "sw_c3", "a", at(1), { handleHashes: [handle, handle] });
    await send("sw_h2", "sw_c3", "sw_f4", "b", at(2), { handleHashes: [handle] });
    await send("sw_h3", "sw_c3", "sw_f4", "c", at(3), { handleHashes: [handle] });
    const shared = async (id: string) =>
      (await signalEventsOf(dbOf(), { accountId: id })).filter(
        (e) => e.signal === "handle_shared_across_accounts",
      );
    expect(await shared("sw_f3")).toHaveLength(1);
    expect(await shared("sw_c3")).toHaveLength(1);
    expect((await shared("sw_c3"))[0]?.messageId).toBe("sw_h2");
  });
});

// A message whose place in the conversation is taken while it is screened is screened again after the new
// message; one that keeps losing it gives up. PGlite runs one statement at a time in the order asked (a query
// waits for an open transaction), so a message stored by "another process" from inside the screening lands
// before this send's own write, every time: on a server the same race is a matter of timing.
describe("a send whose place is taken while it is screened, on pglite", () => {
  const [embedded] = engines;
  if (embedded === undefined) throw new Error("PGlite is always among the engines");
  const dbOf = migratedDb(embedded.open);
  const person = (id: string, role: "client" | "freelancer") =>
    createAccount(dbOf(), id, { role, displayName: id, country: "US", locale: "en-US" });

  /** Sends `text`; during each of its first `taken` screenings another message of the pair is stored first. */
  const sendWhileTaken = async (id: string, from: string, to: string, text: string, taken: number) => {
    const seen: string[][] = [];
    const others: Promise<unknown>[] = [];
    const sent = await sendMessage(
      dbOf(),
      { id, senderId: from, recipientId: to, text },
      at(10),
      (context: MessageContext) => {
        seen.push(context.recent.map((m) => m.text));
        if (seen.length <= taken) {
          // Asked now, before this screening returns: it runs before the send's own write.
          others.push(
            dbOf().query(
              `INSERT INTO messages (id, relationship_id, sender_id, text, sent_at, verdict, delivery, shown_text, stage, scan, seq)
               SELECT $1, $2, $3, $4, $5, 'allow', 'delivered', $4, 'pre_contract', 'null'::jsonb, MAX(seq) + 1
               FROM messages WHERE relationship_id = $2`,
              [`${id}_other_${seen.length}`, context.pair.id, to, `other ${seen.length}`, at(10)],
            ),
          );
        }
        return screened(text)();
      },
    );
    await Promise.all(others);
    return { sent, seen };
  };

  it("gives up after ten places taken: conversation_busy, nothing of it stored, the others all kept", async () => {
    await person("sb_c1", "client");
    await person("sb_f1", "freelancer");
    const first = await sendMessage(
      dbOf(),
      { id: "sb_first", senderId: "sb_c1", recipientId: "sb_f1", text: "hello" },
      at(0),
      screened("hello"),
    );
    const pairId = first.ok && first.value.kind === "stored" ? first.value.message.relationshipId : "";
    const { sent, seen } = await sendWhileTaken("sb_busy", "sb_f1", "sb_c1", "mine", 10);
    expect(sent).toMatchObject({ ok: false, code: "conversation_busy" });
    expect(seen).toHaveLength(10);
    const conversation = await messagesOf(dbOf(), pairId);
    expect(conversation.map((m) => m.text)).toEqual([
      "hello",
      ...Array.from({ length: 10 }, (_, i) => `other ${i + 1}`),
    ]);
    expect(await auditLogOf(dbOf(), { subjectId: "sb_f1" })).toEqual([]);
  });

  it("stores the message after fewer places taken, screened after every message stored before it", async () => {
    await person("sb_c2", "client");
    await person("sb_f2", "freelancer");
    await sendMessage(
      dbOf(),
      { id: "sb_first2", senderId: "sb_c2", recipientId: "sb_f2", text: "hello" },
      at(0),
      screened("hello"),
    );
    const { sent, seen } = await sendWhileTaken("sb_late", "sb_f2", "sb_c2", "mine", 3);
    expect(sent).toMatchObject({ ok: true, value: { kind: "stored", message: { id: "sb_late" } } });
    expect(seen).toEqual([
      ["hello"],
      ["hello", "other 1"],
      ["hello", "other 1", "other 2"],
      ["hello", "other 1", "other 2", "other 3"],
    ]);
    const stored = sent.ok && sent.value.kind === "stored" ? sent.value.message.relationshipId : "";
    expect((await messagesOf(dbOf(), stored)).map((m) => m.text)).toEqual([
      "hello",
      "other 1",
      "other 2",
      "other 3",
      "mine",
    ]);
    expect(await auditLogOf(dbOf(), { subjectId: "sb_f2" })).toHaveLength(1);
  });
});
