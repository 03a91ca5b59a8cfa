import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, grantOriginals, testApp } from "./test-app.test-helper.js";

interface MessageBody {
  id: string;
  relationshipId: string;
  text: string;
  verdict: string;
  delivery: string;
  shownText?: string;
  explanations?: { rule: string; message: string }[];
  findings?: { rule: string; kind: string; start: number; end: number }[];
}

describe.each(engines)("messages are screened before delivery, on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  let tick = 0;
  beforeAll(async () => {
    app = await testApp(db(), () => new Date(Date.UTC(2026, 10, 26, 10, 0, tick++)), [
      ["cli_s", "client"],
      ["cli_t", "client"],
      ["cli_u", "client"],
      ["fre_s", "freelancer"],
      ["fre_t", "freelancer"],
      ["fre_u", "freelancer"],
      ["cli_v", "client"],
      ["fre_v", "freelancer"],
      ["cli_w", "client"],
      ["fre_w", "freelancer"],
      ["cli_x", "client"],
      ["fre_x", "freelancer"],
      ["cli_y", "client"],
      ["fre_y", "freelancer"],
      ["agt_s", "agent"],
    ]);
    await grantOriginals(app, "agt_s");
  });

  const send = (from: string, to: string, text: string, extra: object = {}) =>
    app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as(from),
      payload: { recipientId: to, text, ...extra },
    });
  const conversation = async (pair: string, who: string) =>
    (await app.inject({ url: `/v1/relationships/${pair}/messages`, headers: as(who) })).json<{
      messages: MessageBody[];
    }>().messages;

  it("delivers a plain message as it is", async () => {
    const res = await send("cli_s", "fre_s", "Hi Sam, could you share a quote for the landing page?");
    expect(res.statusCode).toBe(201);
    expect(res.json<MessageBody>()).toMatchObject({
      verdict: "allow",
      delivery: "delivered",
      explanations: [],
    });
  });

  it("masks contact details before a contract: the recipient sees them hidden, the sender is told why, agents see all", async () => {
    const text = "Sure! Write to me at sam.rivera@gmail.com and we can go from there.";
    const res = await send("fre_s", "cli_s", text);
    const mine = res.json<MessageBody>();
    expect(mine).toMatchObject({ verdict: "mask", delivery: "delivered", text });
    expect(mine.shownText).not.toContain("sam.rivera@gmail.com");
    expect(mine.explanations?.[0]?.rule).toBe("C1");
    expect(mine.explanations?.[0]?.message).toMatch(/contact details .* not allowed before a contract/);
    const theirs = (await conversation(mine.relationshipId, "cli_s")).find((m) => m.id === mine.id);
    expect(theirs?.text).toBe(mine.shownText);
    expect(theirs?.findings).toBeUndefined();
    const agents = (await conversation(mine.relationshipId, "agt_s")).find((m) => m.id === mine.id);
    expect(agents?.text).toBe(text);
    expect(agents?.findings?.[0]).toMatchObject({ rule: "C1", kind: "email" });
    const span = agents?.findings?.[0];
    expect(span && text.slice(span.start, span.end)).toContain("sam.rivera");
  });

  it("holds an off-platform payment request until an agent releases or rejects it", async () => {
    const res = await send("cli_t", "fre_t", "Let's skip the fees, I'll pay you directly via PayPal.");
    const held = res.json<MessageBody>();
    expect(res.statusCode).toBe(201);
    expect(held).toMatchObject({ verdict: "hold", delivery: "held" });
    expect(held.explanations?.[0]?.message).toMatch(/under review/);
    // The recipient does not see it; the sender does, as under review.
    expect((await conversation(held.relationshipId, "fre_t")).map((m) => m.id)).not.toContain(held.id);
    expect((await conversation(held.relationshipId, "cli_t")).find((m) => m.id === held.id)?.delivery).toBe(
      "held",
    );
    const queue = await app.inject({ url: "/v1/messages/held", headers: as("agt_s") });
    expect(queue.json<{ messages: MessageBody[] }>().messages.map((m) => m.id)).toContain(held.id);
    expect((await app.inject({ url: "/v1/messages/held", headers: as("cli_t") })).statusCode).toBe(403);
    const byClient = await app.inject({
      method: "POST",
      url: `/v1/messages/${held.id}/release`,
      headers: as("cli_t"),
    });
    expect(byClient.json<ErrorBody>().error.code).toBe("not_allowed_for_actor");
    const released = await app.inject({
      method: "POST",
      url: `/v1/messages/${held.id}/release`,
      headers: as("agt_s"),
    });
    expect(released.json<MessageBody>().delivery).toBe("delivered");
    expect((await conversation(held.relationshipId, "fre_t")).map((m) => m.id)).toContain(held.id);
    const again = await app.inject({
      method: "POST",
      url: `/v1/messages/${held.id}/reject`,
      headers: as("agt_s"),
    });
    expect([again.statusCode, again.json<ErrorBody>().error.code]).toEqual([409, "message_not_held"]);

    const other = (
      await send("cli_t", "fre_t", "Send me your IBAN and I'll wire it outside the platform.")
    ).json<MessageBody>();
    expect(other.delivery).toBe("held");
    const rejected = await app.inject({
      method: "POST",
      url: `/v1/messages/${other.id}/reject`,
      headers: as("agt_s"),
    });
    expect(rejected.json<MessageBody>().delivery).toBe("rejected");
    expect((await conversation(other.relationshipId, "fre_t")).map((m) => m.id)).not.toContain(other.id);
  });

  it("sends a nudged message only once the sender confirms the reminder", async () => {
    const text = "What's your WhatsApp? Easier to chat there.";
    const first = await send("cli_u", "fre_u", text);
    expect(first.statusCode).toBe(202);
    const reminder = first.json<{ confirmationToken: string; explanations: { rule: string }[] }>();
    expect(reminder.explanations[0]?.rule).toBe("C2");
    // Nothing was delivered yet.
    const res = await send("cli_u", "fre_u", "ok", {});
    const pair = res.json<MessageBody>().relationshipId;
    expect((await conversation(pair, "fre_u")).map((m) => m.text)).toEqual(["ok"]);
    // The token is for this text only.
    const wrong = await send("cli_u", "fre_u", "something else", {
      confirmationToken: reminder.confirmationToken,
    });
    expect(wrong.json<ErrorBody>().error.code).toBe("confirmation_invalid");
    const confirmed = await send("cli_u", "fre_u", text, { confirmationToken: reminder.confirmationToken });
    expect(confirmed.statusCode).toBe(201);
    expect(confirmed.json<MessageBody>()).toMatchObject({ verdict: "nudge", delivery: "delivered" });
    const reused = await send("cli_u", "fre_u", text, { confirmationToken: reminder.confirmationToken });
    expect(reused.json<ErrorBody>().error.code).toBe("confirmation_invalid");
  });

  it("checks a text before it is sent, with the conversation so far, storing nothing", async () => {
    const check = (from: string, to: string, text: string) =>
      app.inject({
        method: "POST",
        url: "/v1/messages/check",
        headers: as(from),
        payload: { recipientId: to, text },
      });
    const before = await check("fre_t", "cli_u", "ping me on telegram @dev_tariq");
    expect(before.json()).toMatchObject({ verdict: "mask", delivery: "deliver" });
    expect(before.json<{ explanations: { rule: string }[] }>().explanations.map((e) => e.rule)).toContain(
      "C1",
    );
    // Nothing was sent, and no pair was formed by checking.
    const pairs = await app.inject({ url: "/v1/accounts/fre_t/relationships", headers: as("fre_t") });
    expect(
      pairs.json<{ relationships: { clientId: string }[] }>().relationships.map((p) => p.clientId),
    ).not.toContain("cli_u");
    expect((await check("fre_t", "cli_u", "Thanks, talk soon")).json()).toMatchObject({ verdict: "allow" });
    expect((await check("fre_t", "fre_u", "hello")).json<ErrorBody>().error.code).toBe("not_a_pair");
  });

  it("checks a text in its pair's stage and with the pair's recent messages, as a send judges it", async () => {
    const check = async (from: string, to: string, text: string) =>
      (
        await app.inject({
          method: "POST",
          url: "/v1/messages/check",
          headers: as(from),
          payload: { recipientId: to, text },
        })
      ).json<{ verdict: string; delivery: string }>();
    // The sender's earlier half of a number completes it.
    expect((await send("fre_v", "cli_v", "415 555")).json<MessageBody>().verdict).toBe("allow");
    expect(await check("fre_v", "cli_v", "0142 is my cell")).toMatchObject({ verdict: "mask" });
    const phone = "For urgent issues call +1 415 555 0199.";
    expect(await check("fre_v", "cli_v", phone)).toMatchObject({ verdict: "mask", delivery: "deliver" });
    // An active contract allows contacts, never payment outside.
    await app.inject({
      method: "POST",
      url: "/v1/contracts/hourly",
      headers: as("cli_v"),
      payload: { freelancerId: "fre_v", currency: "USD", hourlyRate: "5000", weeklyLimitHours: 10 },
    });
    expect(await check("fre_v", "cli_v", phone)).toMatchObject({ verdict: "allow", delivery: "deliver" });
    const pay = "Can I pay you via PayPal instead, to save the fee?";
    expect((await check("cli_v", "fre_v", pay)).delivery).toBe("hold");
  });

  it("catches a phone number split across two messages of one sender", async () => {
    const a = await send("fre_t", "cli_t", "415 555");
    expect(a.json<MessageBody>().verdict).toBe("allow");
    const b = (await send("fre_t", "cli_t", "0142 is my cell")).json<
      MessageBody & { relationshipId: string }
    >();
    expect(b.verdict).toBe("mask");
    expect(b.explanations?.map((e) => e.rule)).toContain("C1");
    // Agents see the detail whole, marked as assembled across messages.
    const seen = (await conversation(b.relationshipId, "agt_s")).find((m) => m.id === b.id) as unknown as {
      findings: { kind: string; value: string; assembled?: boolean }[];
    };
    expect(seen.findings.find((f) => f.assembled === true)).toMatchObject({ kind: "phone" });
    expect(seen.findings.find((f) => f.assembled === true)?.value).toMatch(/4155550142/);
  });

  it("catches a phone number split across two messages sent at the same moment", async () => {
    for (const [client, freelancer] of [
      ["cli_w", "fre_w"],
      ["cli_x", "fre_x"],
      ["cli_y", "fre_y"],
    ] as const) {
      const hello = (
        await send(client, freelancer, "Hello! Is the logo job still open?")
      ).json<MessageBody>();
      const [first, second] = await Promise.all([
        send(freelancer, client, "415 555"),
        send(freelancer, client, "0142 is my cell"),
      ]);
      expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
      // Each is judged after exactly what is shown before it: the number's second half, shown after its
      // first, is masked; shown before it, neither half reads as a number. (Which order arises is the
      // scheduler's; packages/store/src/send.test.ts forces sends to overlap and fails without the places.)
      const shown = (await conversation(hello.relationshipId, client)).map((m) => [m.text, m.verdict]);
      expect(shown.slice(1)).toEqual(
        shown[1]?.[0] === "415 555"
          ? [
              ["415 555", "allow"],
              ["[contact detail hidden] is my cell", "mask"],
            ]
          : [
              ["0142 is my cell", "allow"],
              ["415 555", "allow"],
            ],
      );
    }
  });

  it("lets a pair with an active contract share contacts, but never payment outside", async () => {
    await app.inject({
      method: "POST",
      url: "/v1/contracts/hourly",
      headers: as("cli_s"),
      payload: { freelancerId: "fre_s", currency: "USD", hourlyRate: "5000", weeklyLimitHours: 10 },
    });
    const phone = await send("fre_s", "cli_s", "For urgent issues call +1 415 555 0199.");
    expect(phone.json<MessageBody>()).toMatchObject({ verdict: "allow", delivery: "delivered" });
    const pay = await send("cli_s", "fre_s", "Can I pay you via PayPal instead, to save the fee?");
    expect(pay.json<MessageBody>().delivery).toBe("held");
  });

  it("records the red flags messages raise, and scores each user's and pair's risk with its reasons", async () => {
    interface RiskBody {
      score: number;
      top: { signal: string; occurrences: number; explanation: string }[];
    }
    const risk = async (url: string, who = "agt_s") =>
      (await app.inject({ url, headers: as(who) })).json<RiskBody>();
    const payer = await risk("/v1/accounts/cli_t/risk");
    expect(payer.score).toBeGreaterThan(0);
    expect(payer.top[0]).toMatchObject({ signal: "off_platform_payment_proposed", occurrences: 2 });
    expect(payer.top[0]?.explanation).toMatch(/payment outside the platform/);
    const splitter = await risk("/v1/accounts/fre_t/risk");
    expect(splitter.top.map((t) => t.signal)).toEqual(
      expect.arrayContaining(["details_split_across_messages", "contact_before_contract"]),
    );
    expect((await risk("/v1/accounts/cli_u/risk")).top.map((t) => t.signal)).toContain("nudge_overridden");
    // The plain sender has no red flags.
    expect((await risk("/v1/accounts/agt_s/risk")).score).toBe(0);
    const pairs = await app.inject({ url: "/v1/accounts/cli_t/relationships", headers: as("cli_t") });
    const pair = pairs
      .json<{ relationships: { id: string; freelancerId: string }[] }>()
      .relationships.find((p) => p.freelancerId === "fre_t");
    const pairRisk = await risk(`/v1/relationships/${pair?.id ?? ""}/risk`);
    expect(pairRisk.score).toBeGreaterThanOrEqual(payer.score);
    // Risk is for trust & safety, not for the users it describes.
    expect((await app.inject({ url: "/v1/accounts/cli_t/risk", headers: as("cli_t") })).statusCode).toBe(403);
  });

  it("lets the recipient report a delivered message once, raising a signal about its sender", async () => {
    const sent = (
      await send("cli_s", "fre_u", "Let us skip the fees: I will pay you directly via PayPal.")
    ).json<MessageBody>();
    expect(sent.delivery).toBe("held");
    // Held, so not yet delivered: nothing to report.
    const report = (who: string, id: string) =>
      app.inject({
        method: "POST",
        url: `/v1/messages/${id}/report`,
        headers: as(who),
        payload: { reason: "off_platform_payment", note: "asked to pay outside" },
      });
    expect((await report("fre_u", sent.id)).statusCode).toBe(404);
    await app.inject({ method: "POST", url: `/v1/messages/${sent.id}/release`, headers: as("agt_s") });
    const first = await report("fre_u", sent.id);
    expect(first.statusCode).toBe(201);
    const again = await report("fre_u", sent.id);
    expect([again.statusCode, again.json()]).toEqual([200, first.json()]);
    expect((await report("cli_s", sent.id)).json<ErrorBody>().error.code).toBe("cannot_report_own_message");
    expect((await report("fre_t", sent.id)).statusCode).toBe(404);
    const listed = await app.inject({ url: "/v1/reports", headers: as("agt_s") });
    expect(listed.json<{ reports: { messageId: string }[] }>().reports.map((r) => r.messageId)).toContain(
      sent.id,
    );
    expect((await app.inject({ url: "/v1/reports", headers: as("fre_u") })).statusCode).toBe(403);
    const risk = await app.inject({ url: "/v1/accounts/cli_s/risk", headers: as("agt_s") });
    const top = risk.json<{ top: { signal: string; occurrences: number }[] }>().top;
    expect(top.find((t) => t.signal === "counterparty_report")?.occurrences).toBe(1);
  });

  it("links accounts that use the same handle, on keyed hashes, and flags each of them", async () => {
    const text = "You can reach me at +44 7700 900123 anytime.";
    await send("fre_u", "cli_t", text);
    await send("fre_s", "cli_u", "Reach me at +44 7700 900123 please");
    const linked = await app.inject({ url: "/v1/accounts/fre_s/linked", headers: as("agt_s") });
    const body = linked.json<{
      linked: { accountId: string; shared: { kind: string; hashPrefix: string }[] }[];
    }>();
    expect(body.linked.map((l) => [l.accountId, l.shared.map((s) => s.kind)])).toEqual([
      ["fre_u", ["phone"]],
    ]);
    expect(body.linked[0]?.shared[0]?.hashPrefix).toMatch(/^[0-9a-f]{12}$/);
    // The handle itself is nowhere in the answer.
    expect(JSON.stringify(body)).not.toContain("7700");
    const sightings = await db().query<{ handle_hash: string }>("SELECT handle_hash FROM handle_sightings");
    expect(JSON.stringify(sightings.rows)).not.toContain("7700");
    for (const who of ["fre_s", "fre_u"]) {
      const risk = await app.inject({ url: `/v1/accounts/${who}/risk`, headers: as("agt_s") });
      expect(risk.json<{ top: { signal: string }[] }>().top.map((t) => t.signal)).toContain(
        "handle_shared_across_accounts",
      );
    }
    expect((await app.inject({ url: "/v1/accounts/fre_s/linked", headers: as("fre_s") })).statusCode).toBe(
      403,
    );
  });
});
