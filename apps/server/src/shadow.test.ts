import { DEFAULT_CONFIG } from "@leakguard/domain";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";
import { parsePolicyFile } from "./policy-file.js";
import { as, platform, TEST_KEY } from "./test-app.test-helper.js";

const strict = parsePolicyFile(
  "version: strict-test\nrules:\n  C1:\n    pre_contract: hold\n",
  "strict.yaml",
);
if (!strict.ok) throw new Error(strict.error.message);

describe.each(engines)("a policy from a file, and a candidate in shadow, on $name", ({ open }) => {
  const db = migratedDb(open);
  let shadowed: FastifyInstance;
  let strictLive: FastifyInstance;
  let clock = Date.UTC(2026, 11, 2, 9, 0, 0);
  const now = () => {
    clock += 1_000;
    return new Date(clock);
  };
  beforeAll(async () => {
    const base = { db: db(), apiKeyHashes: [sha256Hex(TEST_KEY)], now };
    shadowed = await buildApp({ ...base, shadowPolicy: strict.value.policy });
    strictLive = await buildApp({ ...base, policy: strict.value.policy });
    for (const [id, role] of [
      ["cli_s1", "client"],
      ["fre_s1", "freelancer"],
      ["fre_s2", "freelancer"],
      ["agt_s", "agent"],
    ] as const)
      await shadowed.inject({
        method: "POST",
        url: "/v1/accounts",
        headers: platform,
        payload: { id, role, displayName: id, country: "US", locale: "en-US" },
      });
  });
  const send = (app: FastifyInstance, from: string, to: string, text: string) =>
    app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as(from),
      payload: { recipientId: to, text },
    });

  it("judges every message by the live policy, and records the candidate's verdict without enforcing it", async () => {
    const email = await send(shadowed, "fre_s1", "cli_s1", "Write to me at sam.shadow.dev@gmail.com");
    // Live (default): masked and delivered; the candidate would have held it.
    expect(email.json<{ verdict: string; delivery: string }>()).toMatchObject({
      verdict: "mask",
      delivery: "delivered",
    });
    const plain = await send(shadowed, "cli_s1", "fre_s1", "Thanks, let's keep talking here.");
    expect(plain.json<{ verdict: string }>().verdict).toBe("allow");
    const report = await shadowed.inject({ url: "/v1/shadow?days=7", headers: as("agt_s") });
    expect(report.statusCode).toBe(200);
    expect(report.json()).toMatchObject({
      livePolicy: "default-2026-11",
      candidatePolicy: "strict-test",
      total: 2,
      agree: 1,
      byDirection: [{ live: "mask", candidate: "hold", count: 1 }],
    });
    expect(report.json<{ examples: { rules: string[] }[] }>().examples[0]?.rules).toContain("C1");
    expect((await shadowed.inject({ url: "/v1/shadow", headers: as("fre_s1") })).statusCode).toBe(403);
    expect((await shadowed.inject({ url: "/v1/shadow?days=0", headers: as("agt_s") })).statusCode).toBe(400);
  });

  it("judges the candidate with the conversation too: a number split across two messages", async () => {
    expect((await send(shadowed, "fre_s2", "cli_s1", "415 555")).json<{ verdict: string }>().verdict).toBe(
      "allow",
    );
    const second = await send(shadowed, "fre_s2", "cli_s1", "0142 is my cell");
    expect(second.json<{ verdict: string }>().verdict).toBe("mask");
    const report = await shadowed.inject({ url: "/v1/shadow?days=7", headers: as("agt_s") });
    // The first test's email, and this number: each masked live, each held by the candidate.
    expect(report.json()).toMatchObject({ byDirection: [{ live: "mask", candidate: "hold", count: 2 }] });
  });

  it("scores risk with the signal weights a policy file sets", async () => {
    const file = parsePolicyFile("signals:\n  off_platform_payment_proposed: { weight: 60 }\n", "w.yaml");
    if (!file.ok) throw new Error(file.error.message);
    const heavy = await buildApp({
      db: db(),
      apiKeyHashes: [sha256Hex(TEST_KEY)],
      now,
      marketplace: { ...DEFAULT_CONFIG, trust: { ...DEFAULT_CONFIG.trust, ...file.value.sanctions } },
    });
    await send(heavy, "cli_s1", "fre_s2", "Let's skip the fees, I'll pay you directly via PayPal.");
    const risk = (await heavy.inject({ url: "/v1/accounts/cli_s1/risk", headers: as("agt_s") })).json<{
      top: { signal: string; points: number }[];
    }>();
    expect(risk.top.find((t) => t.signal === "off_platform_payment_proposed")?.points).toBe(60);
    // The same events under the catalogue's weight count half as much.
    const plain = (await shadowed.inject({ url: "/v1/accounts/cli_s1/risk", headers: as("agt_s") })).json<{
      top: { signal: string; points: number }[];
    }>();
    expect(plain.top.find((t) => t.signal === "off_platform_payment_proposed")?.points).toBe(30);
  });

  it("enforces the live policy file and records its version with the verdict", async () => {
    const email = await send(strictLive, "fre_s2", "cli_s1", "Write to me at sam.strict.dev@gmail.com");
    expect(email.json<{ verdict: string; delivery: string }>()).toMatchObject({
      verdict: "hold",
      delivery: "held",
    });
    const id = email.json<{ id: string }>().id;
    const row = (
      await db().query<{ scan: { policyVersion: string } | string }>(
        "SELECT scan FROM messages WHERE id = $1",
        [id],
      )
    ).rows[0];
    const scan =
      typeof row?.scan === "string" ? (JSON.parse(row.scan) as { policyVersion: string }) : row?.scan;
    expect(scan?.policyVersion).toBe("strict-test");
    // No candidate runs on this server: nothing is recorded in shadow for its messages.
    const report = await strictLive.inject({ url: "/v1/shadow?days=7", headers: as("agt_s") });
    // (total: the four messages the tests above recorded in shadow, none of this server's)
    expect(report.json()).toMatchObject({ livePolicy: "strict-test", candidatePolicy: null, total: 4 });
    // The policy page reads the live policy, the file's.
    const live = await strictLive.inject({ url: "/v1/policy", headers: as("agt_s") });
    expect(
      live.json<{ version: string; rules: { id: string; actions: { pre_contract: string } }[] }>(),
    ).toMatchObject({
      version: "strict-test",
    });
    expect(
      live
        .json<{ rules: { id: string; actions: { pre_contract: string } }[] }>()
        .rules.find((r) => r.id === "C1"),
    ).toMatchObject({ actions: { pre_contract: "hold" } });
  });
});
