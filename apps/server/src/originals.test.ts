import { createHash } from "node:crypto";
import { DEFAULT_CONFIG } from "@leakguard/domain";
import { runDueJobs } from "@leakguard/store";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, grantOriginals, platform, testApp } from "./test-app.test-helper.js";

interface MessageBody {
  id: string;
  relationshipId: string;
  text: string;
  shownText?: string;
  verdict: string;
  delivery: string;
  originalHidden?: true;
  erasedAt?: string;
  findings?: { rule: string; kind: string; start: number; end: number; value?: string }[];
}
interface AuditBody {
  actorId: string | null;
  event: string;
  subjectId?: string;
  caseId?: string;
  change: Record<string, unknown>;
}

const HANDLE = "sam.rivera@gmail.com";
const HELD = `Let's skip the fees, pay me via PayPal: ${HANDLE}`;
const MASKED = `Sure! Write to me at ${HANDLE} and we can go from there.`;
const DAY = 86_400_000;

describe.each(engines)(
  "originals: read only with the scope, every view logged, erased by retention, on $name",
  ({ open }) => {
    const db = migratedDb(open);
    let app: FastifyInstance;
    let now = new Date(Date.UTC(2026, 10, 26, 10, 0, 0));
    let held: MessageBody;
    let masked: MessageBody;
    let caseId: string;

    const views = async () =>
      (
        await db().query<{ actor_id: string | null; case_id: string | null; change: unknown }>(
          "SELECT actor_id, case_id, change FROM audit_log WHERE event = 'original.viewed' ORDER BY id",
        )
      ).rows.map((r) => ({
        actorId: r.actor_id,
        caseId: r.case_id,
        change: (typeof r.change === "string" ? JSON.parse(r.change) : r.change) as Record<string, unknown>,
      }));
    const heldList = async (headers: Record<string, string>) =>
      (await app.inject({ url: "/v1/messages/held", headers })).json<{ messages: MessageBody[] }>().messages;
    const conversationOf = async (who: string) =>
      (
        await app.inject({ url: `/v1/relationships/${masked.relationshipId}/messages`, headers: as(who) })
      ).json<{ messages: MessageBody[] }>().messages;

    beforeAll(async () => {
      app = await testApp(
        db(),
        () => {
          now = new Date(now.getTime() + 1000);
          return now;
        },
        [
          ["cli_o", "client"],
          ["fre_o", "freelancer"],
          ["agt_plain", "agent"],
          ["agt_seen", "agent"],
          ["adm_o", "admin"],
        ],
        (id) => `pw-of-${id}-long`,
      );
      const send = async (from: string, to: string, text: string) =>
        (
          await app.inject({
            method: "POST",
            url: "/v1/messages",
            headers: as(from),
            payload: { recipientId: to, text },
          })
        ).json<MessageBody>();
      masked = await send("fre_o", "cli_o", MASKED);
      held = await send("cli_o", "fre_o", HELD);
      expect(masked).toMatchObject({ verdict: "mask", text: MASKED });
      expect(held).toMatchObject({ verdict: "hold", delivery: "held", text: HELD });
      const cases = (await app.inject({ url: "/v1/cases", headers: as("agt_plain") })).json<{
        cases: { id: string; subjectId: string }[];
      }>().cases;
      const c = cases.find((x) => x.subjectId === "cli_o");
      if (c === undefined) throw new Error("the held message opens a case");
      caseId = c.id;
    });

    it("grants and revokes the scope: admins and the platform only, never their own, with a reason, logged", async () => {
      const grant = (headers: Record<string, string>, id: string, body: object) =>
        app.inject({ method: "POST", url: `/v1/accounts/${id}/scopes`, headers, payload: body });
      const body = { scope: "read_originals", action: "grant", reason: "reviews held messages" };
      expect((await grant(as("agt_plain"), "agt_seen", body)).json<ErrorBody>().error.code).toBe("forbidden");
      expect((await grant(as("cli_o"), "agt_seen", body)).json<ErrorBody>().error.code).toBe("forbidden");
      const own = await grant(as("adm_o"), "adm_o", body);
      expect([own.statusCode, own.json<ErrorBody>().error.code]).toEqual([403, "own_scopes"]);
      const client = await grant(as("adm_o"), "cli_o", body);
      expect([client.statusCode, client.json<ErrorBody>().error.code]).toEqual([422, "scope_not_for_role"]);
      const unknown = await grant(as("adm_o"), "agt_seen", { ...body, scope: "read_everything" });
      expect(unknown.json<ErrorBody>().error.code).toBe("invalid_request");
      const noReason = await grant(as("adm_o"), "agt_seen", { ...body, reason: "" });
      expect(noReason.json<ErrorBody>().error.code).toBe("reason_required");
      expect(await views()).toEqual([]);

      const done = await grant(as("adm_o"), "agt_seen", body);
      expect(done.statusCode).toBe(200);
      expect(done.json()).toMatchObject({
        accountId: "agt_seen",
        changed: true,
        granted: [{ scope: "read_originals", grantedBy: "adm_o", reason: "reviews held messages" }],
      });
      const read = await app.inject({ url: "/v1/accounts/agt_seen/scopes", headers: as("agt_seen") });
      const scopes = read.json<{ role: string[]; granted: { scope: string }[] }>();
      expect(scopes.role).toContain("review_messages");
      expect(scopes.granted.map((g) => g.scope)).toEqual(["read_originals"]);
      const log = (await app.inject({ url: "/v1/audit?subjectId=agt_seen", headers: as("adm_o") })).json<{
        entries: AuditBody[];
      }>();
      expect(log.entries.filter((e) => e.event === "account.scope_granted")).toMatchObject([
        { actorId: "adm_o", subjectId: "agt_seen", change: { scope: "read_originals" } },
      ]);
    });

    it("without the scope, staff read the text with details hidden, the findings without values, and nothing is logged", async () => {
      for (const m of await heldList(as("agt_plain"))) {
        expect(m.text).not.toContain(HANDLE);
        expect(m.shownText).not.toContain(HANDLE);
        expect(m.originalHidden).toBe(true);
        expect(m.findings?.find((f) => f.kind === "paypal")).toMatchObject({ rule: "P1" });
        expect(m.findings?.find((f) => f.kind === "paypal")?.value).toBeUndefined();
      }
      const mine = (await heldList(as("agt_plain"))).find((m) => m.id === held.id);
      expect(mine?.text).toBe("Let's skip the fees, pay me via PayPal: [paypal hidden]");
      const inPair = (await conversationOf("agt_plain")).find((m) => m.id === masked.id);
      expect(inPair).toMatchObject({
        text: "Sure! Write to me at [email hidden] and we can go from there.",
        originalHidden: true,
      });
      const theCase = (await app.inject({ url: `/v1/cases/${caseId}`, headers: as("agt_plain") })).json<{
        messages: MessageBody[];
      }>();
      expect(JSON.stringify(theCase.messages)).not.toContain(HANDLE);
      // The parties are unchanged: the sender reads their own original, the recipient what was delivered.
      expect((await conversationOf("fre_o")).find((m) => m.id === masked.id)?.text).toBe(MASKED);
      expect((await conversationOf("cli_o")).find((m) => m.id === masked.id)?.text).not.toContain(HANDLE);
      expect(await views()).toEqual([]);
    });

    it("with the scope, staff read originals and each response writes one original.viewed row: who, which messages, where", async () => {
      await grantOriginals(app, "agt_seen");
      const list = await heldList(as("agt_seen"));
      const mine = list.find((m) => m.id === held.id);
      expect(mine).toMatchObject({ text: HELD });
      expect(mine?.originalHidden).toBeUndefined();
      expect(mine?.findings?.find((f) => f.kind === "paypal")?.value).toBe(HANDLE);
      expect(await views()).toEqual([
        {
          actorId: "agt_seen",
          caseId: null,
          change: {
            endpoint: "GET /v1/messages/held",
            via: "platform_key",
            messageIds: list.filter((m) => m.text.includes(HANDLE)).map((m) => m.id),
            senderIds: ["cli_o"],
          },
        },
      ]);

      const theCase = await app.inject({ url: `/v1/cases/${caseId}`, headers: as("agt_seen") });
      expect(JSON.stringify(theCase.json<{ messages: MessageBody[] }>().messages)).toContain(HANDLE);
      const afterCase = await views();
      expect(afterCase).toHaveLength(2);
      expect(afterCase[1]).toMatchObject({
        actorId: "agt_seen",
        caseId,
        change: { endpoint: "GET /v1/cases/:id", messageIds: [held.id] },
      });
      // The view joins the case's timeline.
      const again = await app.inject({ url: `/v1/cases/${caseId}`, headers: as("agt_plain") });
      expect(
        again.json<{ timeline: AuditBody[] }>().timeline.some((e) => e.event === "original.viewed"),
      ).toBe(true);

      // Signed in as themselves, the row says so.
      const { token } = (
        await app.inject({
          method: "POST",
          url: "/v1/sessions",
          payload: { accountId: "agt_seen", password: "pw-of-agt_seen-long" },
        })
      ).json<{ token: string }>();
      const pair = await app.inject({
        url: `/v1/relationships/${masked.relationshipId}/messages`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(pair.json<{ messages: MessageBody[] }>().messages.find((m) => m.id === masked.id)?.text).toBe(
        MASKED,
      );
      expect((await views()).at(-1)).toMatchObject({
        actorId: "agt_seen",
        // The pair's two messages both carry a detail: both originals were in the response.
        change: {
          endpoint: "GET /v1/relationships/:id/messages",
          via: "session",
          messageIds: [masked.id, held.id],
          senderIds: ["fre_o", "cli_o"],
        },
      });

      // The platform's key acting as nobody is the platform: it reads originals, logged with no actor.
      const asPlatform = await heldList(platform);
      expect(asPlatform.find((m) => m.id === held.id)?.text).toBe(HELD);
      expect((await views()).at(-1)).toMatchObject({
        actorId: null,
        change: { endpoint: "GET /v1/messages/held", via: "platform_key" },
      });

      // Restricted, a holder of the scope reads like one without it.
      const restrict = (status: string) =>
        app.inject({
          method: "POST",
          url: "/v1/accounts/agt_seen/status",
          headers: as("adm_o"),
          payload: { status, reason: "under review" },
        });
      expect((await restrict("restricted")).statusCode).toBe(200);
      const whileRestricted = (await views()).length;
      expect((await heldList(as("agt_seen"))).find((m) => m.id === held.id)?.originalHidden).toBe(true);
      expect(await views()).toHaveLength(whileRestricted);
      expect((await restrict("active")).statusCode).toBe(200);

      // Revoked, the scope is gone at once.
      const revoke = await app.inject({
        method: "POST",
        url: "/v1/accounts/agt_seen/scopes",
        headers: platform,
        payload: { scope: "read_originals", action: "revoke", reason: "left the review team" },
      });
      expect(revoke.json()).toMatchObject({ changed: true, granted: [] });
      const count = (await views()).length;
      expect((await heldList(as("agt_seen"))).find((m) => m.id === held.id)?.originalHidden).toBe(true);
      expect(await views()).toHaveLength(count);
      await grantOriginals(app, "agt_seen");
    });

    it("keeps handles in clear only in the message rows: every other table holds keyed hashes or nothing", async () => {
      // A nudge: a text never sent is kept only as a keyed hash bound to its token (an unkeyed SHA-256 of a
      // short text, a phone number alone, is found by trying every number).
      await app.inject({
        method: "POST",
        url: "/v1/messages",
        headers: as("fre_o"),
        payload: { recipientId: "cli_o", text: "What's your WhatsApp? Easier to chat there." },
      });
      const nudges = (
        await db().query<{ text_hash: string }>(
          "SELECT text_hash FROM message_nudges WHERE sender_id = 'fre_o'",
        )
      ).rows;
      expect(nudges).toHaveLength(1);
      expect(nudges[0]?.text_hash).not.toBe(
        createHash("sha256").update("What's your WhatsApp? Easier to chat there.").digest("hex"),
      );
      const tables = (
        await db().query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'messages'`,
        )
      ).rows.map((r) => r.table_name);
      expect(tables).toEqual(
        expect.arrayContaining(["audit_log", "signal_events", "handle_sightings", "case_actions"]),
      );
      for (const table of tables) {
        const leaked = await db().query(
          `SELECT 1 FROM "${table}" t WHERE strpos(lower(row_to_json(t)::text), lower($1)) > 0 LIMIT 1`,
          [HANDLE],
        );
        expect([table, leaked.rows.length]).toEqual([table, 0]);
      }
    });

    it("releasing a held message answers with the original only for a reviewer with the scope", async () => {
      const released = await app.inject({
        method: "POST",
        url: `/v1/messages/${held.id}/release`,
        headers: as("agt_plain"),
      });
      expect(released.statusCode).toBe(200);
      expect(released.json<MessageBody>()).toMatchObject({ delivery: "delivered", originalHidden: true });
      expect(released.json<MessageBody>().text).not.toContain(HANDLE);
    });

    it("after the retention period the original is gone for everyone; verdict, rules and spans stay", async () => {
      const before = await views();
      const later = new Date(now.getTime() + (DEFAULT_CONFIG.retention.originalDays ?? 0) * DAY + DAY);
      const report = await runDueJobs(db(), later, DEFAULT_CONFIG);
      expect(report.errors).toEqual([]);
      expect(report.originalsErased).toBeGreaterThanOrEqual(2);
      // The stats (read on the app's clock, still within their window) count the erased messages' verdicts and rules.
      const stats = await app.inject({ url: "/v1/stats?days=30", headers: as("agt_plain") });
      expect(stats.statusCode).toBe(200);
      expect(stats.json<{ topRules: { rule: string; messages: number }[] }>().topRules).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ rule: "C1" }),
          expect.objectContaining({ rule: "P1" }),
        ]),
      );
      now = later;
      for (const who of ["agt_seen", "agt_plain"]) {
        const m = (await conversationOf(who)).find((x) => x.id === masked.id);
        expect(m).toMatchObject({ verdict: "mask", erasedAt: later.toISOString() });
        expect(m?.text).not.toContain(HANDLE);
        expect(m?.originalHidden).toBeUndefined();
        expect(m?.findings?.find((f) => f.kind === "email")).toMatchObject({
          rule: "C1",
          start: 21,
          end: 41,
        });
        expect(m?.findings?.find((f) => f.kind === "email")?.value).toBeUndefined();
      }
      const theCase = await app.inject({ url: `/v1/cases/${caseId}`, headers: as("agt_seen") });
      const evidence = theCase.json<{ messages: MessageBody[] }>().messages.find((m) => m.id === held.id);
      expect(evidence).toMatchObject({
        verdict: "hold",
        text: "Let's skip the fees, pay me via PayPal: [paypal hidden]",
      });
      expect(await views()).toEqual(before);
      // The sender reads what was shown now; the keyed hash still links the handle.
      const own = (await conversationOf("fre_o")).find((m) => m.id === masked.id);
      expect(own?.text).not.toContain(HANDLE);
      const sightings = await db().query("SELECT 1 FROM handle_sightings WHERE first_message_id = $1", [
        masked.id,
      ]);
      expect(sightings.rows).toHaveLength(1);
    });
  },
);
