import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, platform, testApp } from "./test-app.test-helper.js";
import { deliverDueWebhooks, verifyWebhook } from "./webhook-delivery.js";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on loopback that answers with whatever `answer` says and keeps what it got. */
async function receiver(): Promise<{
  url: string;
  got: Received[];
  answer: { status: number };
  close: () => Promise<void>;
}> {
  const got: Received[] = [];
  const answer = { status: 200 };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.statusCode = answer.status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    got,
    answer,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe.each(engines)("webhooks through the outbox, on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let clock = Date.UTC(2026, 11, 1, 9, 0, 0);
  const now = () => {
    clock += 1_000;
    return new Date(clock);
  };
  beforeAll(async () => {
    app = await testApp(db(), now, [
      ["cli_w", "client"],
      ["fre_w", "freelancer"],
      ["agt_w", "agent"],
      ["adm_w", "admin"],
    ]);
    hook = await receiver();
  });
  afterAll(async () => hook.close());

  let endpointId = "";
  let secret = "";
  const deliver = () => deliverDueWebhooks(db(), new Date(clock), { leaseMs: 30_000, allowPrivate: true });
  const eventsGot = () =>
    hook.got.map((r) => JSON.parse(r.body) as { id: string; type: string; data: Record<string, unknown> });

  it("adds an endpoint once, shows its secret once, and says what is wrong with a bad one", async () => {
    const bad = async (payload: object, code: string) => {
      const res = await app.inject({ method: "POST", url: "/v1/webhooks", headers: platform, payload });
      expect(res.json<ErrorBody>().error.code).toBe(code);
    };
    await bad({ url: "ftp://example.com/x", events: ["*"] }, "invalid_webhook_url");
    await bad({ url: "not a url", events: ["*"] }, "invalid_webhook_url");
    await bad({ url: "https://user:pw@example.com/x", events: ["*"] }, "invalid_webhook_url");
    await bad(
      { url: "https://example.com/x", events: ["case.opened", "case.exploded"] },
      "unknown_event_type",
    );
    const forbidden = await app.inject({
      method: "POST",
      url: "/v1/webhooks",
      headers: as("agt_w"),
      payload: { url: hook.url, events: ["*"] },
    });
    expect(forbidden.statusCode).toBe(403);
    const made = await app.inject({
      method: "POST",
      url: "/v1/webhooks",
      headers: as("adm_w"),
      payload: { url: hook.url, events: ["*"], description: "the host platform" },
    });
    expect(made.statusCode).toBe(201);
    ({ id: endpointId, secret } = made.json<{ id: string; secret: string }>());
    expect(secret).toMatch(/^whsec_/);
    const listed = await app.inject({ url: "/v1/webhooks", headers: platform });
    expect(JSON.stringify(listed.json())).not.toContain(secret);
  });

  it("delivers every event of the story once, signed, with ids to de-duplicate on", async () => {
    const held = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("cli_w"),
      payload: { recipientId: "fre_w", text: "Let's skip the fees, I'll pay you directly via PayPal." },
    });
    expect(held.json<{ delivery: string }>().delivery).toBe("held");
    const cases = await app.inject({ url: "/v1/cases", headers: as("agt_w") });
    const caseId = cases.json<{ cases: { id: string }[] }>().cases[0]?.id ?? "";
    // A refused action writes nothing, so it sends nothing.
    const refused = await app.inject({
      method: "POST",
      url: `/v1/cases/${caseId}/actions`,
      headers: as("agt_w"),
      payload: { kind: "suspend", reason: "x" },
    });
    expect(refused.statusCode).toBe(422);
    const suspended = await app.inject({
      method: "POST",
      url: `/v1/cases/${caseId}/actions`,
      headers: as("agt_w"),
      payload: { kind: "suspend", reason: "asked to be paid outside" },
    });
    expect(suspended.statusCode).toBe(201);
    const actionId = suspended.json<{ action: { id: string } }>().action.id;
    const appeal = await app.inject({
      method: "POST",
      url: "/v1/appeals",
      headers: as("cli_w"),
      payload: { actionId, statement: "it was a joke" },
    });
    await app.inject({
      method: "POST",
      url: `/v1/appeals/${appeal.json<{ id: string }>().id}/decision`,
      headers: as("adm_w"),
      payload: { decision: "upheld", reason: "no joke in the message" },
    });

    const run = await deliver();
    expect(run.retried + run.failed).toBe(0);
    const types = eventsGot().map((e) => e.type);
    expect(types.sort()).toEqual(
      [
        "action.taken",
        "appeal.decided",
        "appeal.filed",
        "case.opened",
        "message.held",
        "user.suspended",
      ].sort(),
    );
    for (const r of hook.got) {
      expect(verifyWebhook(secret, r.headers, r.body, new Date(clock))).toBe(true);
      expect(verifyWebhook("whsec_wrong", r.headers, r.body, new Date(clock))).toBe(false);
      // A replay long after is refused by the timestamp check.
      expect(verifyWebhook(secret, r.headers, r.body, new Date(clock + 3_600_000))).toBe(false);
      expect(r.headers["leakguard-event-id"]).toBe((JSON.parse(r.body) as { id: string }).id);
    }
    const heldEvent = eventsGot().find((e) => e.type === "message.held");
    expect(heldEvent?.data).toMatchObject({ subjectId: "cli_w", recipientId: "fre_w", verdict: "hold" });
    // Nothing is sent twice once delivered.
    expect(await deliver()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(hook.got).toHaveLength(6);
  });

  it("retries a failed delivery with backoff, logs every attempt, and redelivers on request", async () => {
    hook.got.length = 0;
    hook.answer.status = 503;
    await app.inject({
      method: "POST",
      url: "/v1/accounts/fre_w/status",
      headers: platform,
      payload: { status: "restricted", reason: "testing retries" },
    });
    expect(await deliver()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    // Not due again until the backoff has passed.
    expect(await deliver()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    hook.answer.status = 200;
    clock += 11_000; // the backoff (10 s) from when the failed send ended
    expect(await deliver()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(hook.got.map((r) => r.headers["leakguard-event-id"])).toEqual([
      hook.got[0]?.headers["leakguard-event-id"],
      hook.got[0]?.headers["leakguard-event-id"],
    ]);
    const log = await app.inject({ url: `/v1/webhooks/${endpointId}/deliveries`, headers: platform });
    const deliveries = log.json<{
      deliveries: {
        id: string;
        type: string;
        status: string;
        attempts: number;
        log: { statusCode?: number }[];
      }[];
    }>().deliveries;
    const restricted = deliveries.find((d) => d.type === "user.restricted");
    expect(restricted).toMatchObject({ status: "delivered", attempts: 2 });
    expect(restricted?.log.map((a) => a.statusCode)).toEqual([503, 200]);

    const again = await app.inject({
      method: "POST",
      url: `/v1/webhooks/${endpointId}/deliveries/${restricted?.id ?? ""}/redeliver`,
      headers: platform,
    });
    expect(again.statusCode).toBe(202);
    expect((await deliver()).delivered).toBe(1);
    expect(hook.got).toHaveLength(3);
    const missing = await app.inject({
      method: "POST",
      url: `/v1/webhooks/${endpointId}/deliveries/dlv_nope/redeliver`,
      headers: platform,
    });
    expect(missing.json<ErrorBody>().error.code).toBe("delivery_not_found");
  });

  it("sends nothing more to a deactivated endpoint", async () => {
    hook.got.length = 0;
    const off = await app.inject({ method: "DELETE", url: `/v1/webhooks/${endpointId}`, headers: platform });
    expect(off.json<{ active: boolean }>().active).toBe(false);
    await app.inject({
      method: "POST",
      url: "/v1/accounts/fre_w/status",
      headers: platform,
      payload: { status: "active", reason: "retries tested" },
    });
    await deliver();
    expect(hook.got).toHaveLength(0);
  });
});
