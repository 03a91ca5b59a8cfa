import { DEFAULT_CONFIG, type MarketplaceConfig } from "@leakguard/domain";
import { describe, expect, it } from "vitest";
import { engines, migratedDb } from "./engines.test-helper.js";
import { runDueJobs } from "./jobs.js";
import { messageById, type Screening, sendMessage } from "./messages.js";
import {
  eraseOriginals,
  grantsOf,
  hasGrant,
  recordOriginalsViewed,
  redactDetails,
  scanWithoutValues,
  setGrant,
} from "./originals.js";
import { createAccount } from "./people.js";

const DAY = 86_400_000;
const EMAIL = "ana@mail.test";

/** A message carrying an email at its start, as the server's screening records it. */
const textWithEmail = (n: number) => `${EMAIL} write me (${n})`;
const scanOf = (text: string) => ({
  policyVersion: "test",
  rules: ["C1", "C2"],
  handles: [`email:${EMAIL}`],
  findings: [
    { rule: "C1", kind: "email", start: 0, end: EMAIL.length, value: EMAIL, confidence: 0.97 },
    { rule: "C2", kind: "intent_ask_contact", start: 14, end: 22, value: "write me", confidence: 0.7 },
  ],
  explanations: [{ rule: "C1", message: "policy text" }],
  textLength: text.length,
});

const screened =
  (text: string, verdict: "allow" | "mask" | "hold", handleHash?: string) => (): Screening => ({
    verdict,
    delivery: verdict === "hold" ? "hold" : "deliver",
    shownText: verdict === "mask" ? `[contact detail hidden]${text.slice(EMAIL.length)}` : text,
    stage: "pre_contract",
    scan: scanOf(text),
    signals: [],
    ...(handleHash === undefined ? {} : { handleHashes: [{ kind: "email", hash: handleHash }] }),
  });

describe("redactDetails", () => {
  it("replaces each detail's span by its kind, leaves intents and merges overlaps", () => {
    const scan = {
      findings: [
        { kind: "phone", start: 10, end: 20 },
        { kind: "email", start: 0, end: 5 },
        { kind: "intent_pay_outside", start: 22, end: 26 },
        { kind: "channel_mention", start: 22, end: 26 },
        { kind: "whatsapp", start: 12, end: 22 },
        { kind: "iban", start: 40, end: 99 },
      ],
    };
    const text = "abcde-----0123456789--paypal--------tail";
    // The WhatsApp span overlaps the phone and runs two letters further: one placeholder hides both.
    expect(redactDetails(text, scan)).toBe("[email hidden]-----[phone hidden]paypal--------tail");
    expect(redactDetails("plain", undefined)).toBe("plain");
    expect(redactDetails("plain", { findings: "not a list" })).toBe("plain");
  });

  it("drops detail values from a scan but keeps rules, kinds, spans and intent phrases", () => {
    const after = scanWithoutValues(scanOf(textWithEmail(1))) as Record<string, unknown>;
    expect(after.handles).toBeUndefined();
    expect(after.handleKinds).toEqual(["email"]);
    expect(after.rules).toEqual(["C1", "C2"]);
    expect(after.findings).toEqual([
      { rule: "C1", kind: "email", start: 0, end: EMAIL.length, confidence: 0.97 },
      { rule: "C2", kind: "intent_ask_contact", start: 14, end: 22, value: "write me", confidence: 0.7 },
    ]);
    expect(JSON.stringify(after)).not.toContain(EMAIL);
  });
});

describe.each(engines)("originals: grants, views and retention on $name", ({ open }) => {
  const dbOf = migratedDb(open);
  const person = async (id: string, role: "client" | "freelancer" | "agent" | "admin") => {
    const r = await createAccount(dbOf(), id, { role, displayName: id, country: "US", locale: "en" });
    if (!r.ok) throw new Error(r.message);
  };
  const auditRows = async (event: string) =>
    (
      await dbOf().query<{
        actor_id: string | null;
        subject_id: string | null;
        reason: string;
        change: unknown;
      }>("SELECT actor_id, subject_id, reason, change FROM audit_log WHERE event = $1 ORDER BY id", [event])
    ).rows.map((r) => ({
      ...r,
      change: (typeof r.change === "string" ? JSON.parse(r.change) : r.change) as Record<string, unknown>,
    }));
  const t0 = new Date("2026-01-05T10:00:00Z");

  it("an admin grants and revokes read_originals to staff only, never their own, with a reason, logged once", async () => {
    await person("og_agent", "agent");
    await person("og_admin", "admin");
    await person("og_client", "client");
    const db = dbOf();
    const change = {
      accountId: "og_agent",
      scope: "read_originals" as const,
      reason: "reviews",
      byId: "og_admin",
    };
    expect(await setGrant(db, { ...change, accountId: "og_admin", grant: true }, t0)).toMatchObject({
      ok: false,
      code: "own_scopes",
    });
    expect(await setGrant(db, { ...change, accountId: "og_client", grant: true }, t0)).toMatchObject({
      ok: false,
      code: "scope_not_for_role",
    });
    expect(await setGrant(db, { ...change, accountId: "nobody", grant: true }, t0)).toMatchObject({
      ok: false,
      code: "account_not_found",
    });
    expect(await setGrant(db, { ...change, reason: " a ", grant: true }, t0)).toMatchObject({
      ok: false,
      code: "reason_required",
    });
    expect(await hasGrant(db, "og_agent", "read_originals")).toBe(false);
    expect(await auditRows("account.scope_granted")).toEqual([]);

    const first = await setGrant(db, { ...change, grant: true }, t0);
    expect(first).toMatchObject({ ok: true, value: { changed: true } });
    const again = await setGrant(db, { ...change, grant: true }, t0);
    expect(again).toMatchObject({ ok: true, value: { changed: false } });
    expect(await grantsOf(db, "og_agent")).toEqual([
      { scope: "read_originals", grantedBy: "og_admin", grantedAt: t0, reason: "reviews" },
    ]);
    expect(await auditRows("account.scope_granted")).toEqual([
      {
        actor_id: "og_admin",
        subject_id: "og_agent",
        reason: "reviews",
        change: { scope: "read_originals" },
      },
    ]);

    expect(await setGrant(db, { ...change, grant: false, reason: "moved team" }, t0)).toMatchObject({
      ok: true,
      value: { changed: true, grants: [] },
    });
    expect(await hasGrant(db, "og_agent", "read_originals")).toBe(false);
    expect(await setGrant(db, { ...change, grant: false, reason: "moved team" }, t0)).toMatchObject({
      ok: true,
      value: { changed: false },
    });
    expect(await auditRows("account.scope_revoked")).toHaveLength(1);
  });

  it("a view of originals is one append-only audit row naming who, which messages and where", async () => {
    const db = dbOf();
    await recordOriginalsViewed(db, {
      at: t0,
      viewerId: "og_agent",
      via: "session",
      endpoint: "GET /v1/messages/held",
      messages: [],
    });
    expect(await auditRows("original.viewed")).toEqual([]);
    await recordOriginalsViewed(db, {
      at: t0,
      viewerId: "og_agent",
      via: "session",
      endpoint: "GET /v1/messages/held",
      messages: [
        { id: "m1", senderId: "og_client" },
        { id: "m2", senderId: "og_client" },
      ],
    });
    const rows = await auditRows("original.viewed");
    expect(rows).toEqual([
      {
        actor_id: "og_agent",
        subject_id: "og_client",
        reason: "",
        change: {
          endpoint: "GET /v1/messages/held",
          via: "session",
          messageIds: ["m1", "m2"],
          senderIds: ["og_client"],
        },
      },
    ]);
    await expect(
      db.query("UPDATE audit_log SET actor_id = NULL WHERE event = 'original.viewed'"),
    ).rejects.toThrow();
    await expect(db.query("DELETE FROM audit_log WHERE event = 'original.viewed'")).rejects.toThrow();
  });

  describe("retention", () => {
    let seq = 0;
    const send = async (
      from: string,
      to: string,
      at: Date,
      verdict: "allow" | "mask" | "hold",
      handleHash?: string,
    ): Promise<string> => {
      const id = `msg_ret_${++seq}`;
      const text = textWithEmail(seq);
      const r = await sendMessage(
        dbOf(),
        { id, senderId: from, recipientId: to, text },
        at,
        screened(text, verdict, handleHash),
        { confirmed: true },
      );
      if (!r.ok) throw new Error(r.message);
      return id;
    };
    const raw = async (id: string) =>
      (
        await dbOf().query<{
          text: string | null;
          shown_text: string;
          verdict: string;
          delivery: string;
          scan: unknown;
          erased_at: Date | null;
        }>("SELECT text, shown_text, verdict, delivery, scan, erased_at FROM messages WHERE id = $1", [id])
      ).rows[0];

    it("erases originals sent before the cutoff only, keeping verdicts, rules, spans, what was shown and hashes", async () => {
      await person("ret_c", "client");
      await person("ret_f", "freelancer");
      const old = new Date(t0.getTime() - 400 * DAY);
      const oldAllow = await send("ret_c", "ret_f", old, "allow", "hash_ret_1");
      const oldMask = await send("ret_c", "ret_f", new Date(old.getTime() + 1000), "mask");
      const oldHold = await send("ret_c", "ret_f", new Date(old.getTime() + 2000), "hold");
      const recent = await send("ret_c", "ret_f", new Date(t0.getTime() - 10 * DAY), "allow");
      const maskedBefore = (await raw(oldMask))?.shown_text;

      const cutoff = new Date(t0.getTime() - 365 * DAY);
      expect(await eraseOriginals(dbOf(), cutoff, t0)).toEqual({ erased: 3, batches: 1 });

      for (const id of [oldAllow, oldMask, oldHold]) {
        const row = await raw(id);
        expect(row?.text).toBeNull();
        expect(row?.erased_at).toEqual(t0);
        expect(row?.shown_text).not.toContain(EMAIL);
        expect(JSON.stringify(row?.scan)).not.toContain(EMAIL);
        const scan = (typeof row?.scan === "string" ? JSON.parse(row.scan) : row?.scan) as {
          rules: string[];
          findings: { rule: string; kind: string; start: number; end: number; value?: string }[];
        };
        expect(scan.rules).toEqual(["C1", "C2"]);
        expect(scan.findings.map((f) => [f.rule, f.kind, f.start, f.end])).toEqual([
          ["C1", "email", 0, EMAIL.length],
          ["C2", "intent_ask_contact", 14, 22],
        ]);
      }
      expect((await raw(oldAllow))?.shown_text).toBe(`[email hidden] write me (${seq - 3})`);
      // What the recipient was shown masked stays exactly as shown.
      expect((await raw(oldMask))?.shown_text).toBe(maskedBefore);
      expect((await raw(oldHold))?.verdict).toBe("hold");
      expect((await raw(oldHold))?.delivery).toBe("held");
      expect((await raw(recent))?.text).toBe(textWithEmail(seq));
      expect((await raw(recent))?.erased_at).toBeNull();

      // The keyed hash that links accounts stays.
      const sightings = await dbOf().query("SELECT 1 FROM handle_sightings WHERE handle_hash = 'hash_ret_1'");
      expect(sightings.rows).toHaveLength(1);
      // The API's reading: the original is gone, what was shown is the text.
      const read = await messageById(dbOf(), oldAllow);
      expect(read?.erasedAt).toEqual(t0);
      expect(read?.text).toBe(`[email hidden] write me (${seq - 3})`);
      expect(read?.text).not.toContain(EMAIL);

      const audits = (await auditRows("message.originals_erased")).filter(
        (r) => r.change.sentBefore === cutoff.toISOString(),
      );
      expect(audits).toEqual([
        {
          actor_id: null,
          subject_id: null,
          reason: "retention",
          change: { count: 3, sentBefore: cutoff.toISOString() },
        },
      ]);

      // Twice is once: nothing left, no audit row.
      expect(await eraseOriginals(dbOf(), cutoff, new Date(t0.getTime() + DAY))).toEqual({
        erased: 0,
        batches: 0,
      });
      expect((await raw(oldAllow))?.erased_at).toEqual(t0);
      expect(
        (await auditRows("message.originals_erased")).filter(
          (r) => r.change.sentBefore === cutoff.toISOString(),
        ),
      ).toHaveLength(1);

      // A retried send of an erased message is answered with it; a new message in the pair is screened as usual.
      const retried = await sendMessage(
        dbOf(),
        { id: oldAllow, senderId: "ret_c", recipientId: "ret_f", text: "anything" },
        t0,
        screened("anything", "allow"),
      );
      expect(retried).toMatchObject({ ok: true, value: { kind: "stored", message: { id: oldAllow } } });
      const next = await sendMessage(
        dbOf(),
        { id: "msg_ret_after", senderId: "ret_f", recipientId: "ret_c", text: "hello" },
        t0,
        (context) => {
          expect(context.recent.some((m) => m.text.includes(EMAIL) && m.text !== textWithEmail(seq))).toBe(
            false,
          );
          return screened("hello", "allow")();
        },
      );
      expect(next.ok).toBe(true);
    });

    it("two workers erasing at once erase each original once, in batches", async () => {
      await person("ret2_c", "client");
      await person("ret2_f", "freelancer");
      const old = new Date(t0.getTime() - 800 * DAY);
      const ids: string[] = [];
      for (let i = 0; i < 23; i++)
        ids.push(await send("ret2_c", "ret2_f", new Date(old.getTime() + i * 1000), "allow"));
      const cutoff = new Date(t0.getTime() - 700 * DAY);
      const [a, b] = await Promise.all([
        eraseOriginals(dbOf(), cutoff, t0, { batchSize: 5 }),
        eraseOriginals(dbOf(), cutoff, t0, { batchSize: 5 }),
      ]);
      expect(a.erased + b.erased).toBe(23);
      const counts = (await auditRows("message.originals_erased"))
        .filter((r) => r.change.sentBefore === cutoff.toISOString())
        .map((r) => r.change.count as number);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(23);
      const left = await dbOf().query(
        `SELECT id FROM messages WHERE id = ANY($1::text[]) AND (erased_at IS NULL OR text IS NOT NULL)`,
        [ids],
      );
      expect(left.rows).toEqual([]);
    });

    it("the clock erases after retention.originalDays, and keeps originals forever with null", async () => {
      await person("ret3_c", "client");
      await person("ret3_f", "freelancer");
      const now = new Date("2031-06-01T00:00:00Z");
      const id = await send("ret3_c", "ret3_f", new Date(now.getTime() - 31 * DAY), "hold");
      const forever: MarketplaceConfig = { ...DEFAULT_CONFIG, retention: { originalDays: null } };
      const keep = await runDueJobs(dbOf(), now, forever);
      expect(keep.errors).toEqual([]);
      expect(keep.originalsErased).toBe(0);
      expect((await raw(id))?.text).not.toBeNull();
      const month: MarketplaceConfig = { ...DEFAULT_CONFIG, retention: { originalDays: 30 } };
      const first = await runDueJobs(dbOf(), now, month);
      expect(first.errors).toEqual([]);
      expect(first.originalsErased).toBeGreaterThanOrEqual(1);
      expect((await raw(id))?.text).toBeNull();
      expect((await runDueJobs(dbOf(), now, month)).originalsErased).toBe(0);
    });
  });
});
