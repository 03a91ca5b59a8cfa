import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { emitEvent, openSecret, parseSecretKey, sealSecret } from "@leakguard/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";
import { platform, TEST_KEY } from "./test-app.test-helper.js";
import { deliverDueWebhooks, postWebhook, verifyWebhook } from "./webhook-delivery.js";
import {
  isPrivateAddress,
  PRIVATE_ADDRESS_REFUSED,
  publicAddressLookup,
  webhookTargetRefusal,
} from "./webhook-target.js";

describe("sealed secrets", () => {
  const key = randomBytes(32);
  it("open with their key and row only", () => {
    const sealed = sealSecret(key, "whsec_abc", "whk_1");
    expect(sealed).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("abc");
    expect(sealSecret(key, "whsec_abc", "whk_1")).not.toBe(sealed); // a fresh IV every time
    expect(openSecret(key, sealed, "whk_1")).toBe("whsec_abc");
    expect(() => openSecret(key, sealed, "whk_2")).toThrow(/does not open/);
    expect(() => openSecret(randomBytes(32), sealed, "whk_1")).toThrow(/LEAKGUARD_SECRET_KEY/);
    expect(openSecret(key, "whsec_legacy", "whk_1")).toBe("whsec_legacy");
  });
  it("take a key as 64 hex digits or base64 of 32 bytes, nothing else", () => {
    expect(parseSecretKey(key.toString("hex"))).toEqual(key);
    expect(parseSecretKey(key.toString("base64"))).toEqual(key);
    expect(parseSecretKey(key.toString("base64url"))).toEqual(key);
    expect(parseSecretKey("too-short")).toBeNull();
    expect(parseSecretKey(randomBytes(16).toString("hex"))).toBeNull();
  });
});

describe.each(engines)("webhook secrets at rest, on $name", ({ open }) => {
  const db = migratedDb(open);
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  let server: Server;
  let url = "";
  const at = new Date("2026-12-03T09:00:00Z");
  const secretKey = randomBytes(32);
  const app = () =>
    buildApp({
      db: db(),
      apiKeyHashes: [sha256Hex(TEST_KEY)],
      now: () => at,
      secretKey,
      webhookAllowPrivate: true,
    });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString("utf8");
      });
      req.on("end", () => {
        got.push({ headers: req.headers, body });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const stored = async (id: string) =>
    (await db().query<{ secret: string }>("SELECT secret FROM webhook_endpoints WHERE id = $1", [id])).rows[0]
      ?.secret ?? "";
  const deliverAndVerify = async (secret: string) => {
    got.length = 0;
    await emitEvent(db(), "user.suspended", at, { accountId: "someone" });
    const run = await deliverDueWebhooks(db(), at, { leaseMs: 30_000, secretKey, allowPrivate: true });
    expect(run.delivered).toBeGreaterThan(0);
    expect(got.length).toBe(run.delivered);
    for (const r of got) expect(verifyWebhook(secret, r.headers, r.body, at)).toBe(true);
  };

  it("keeps no plaintext secret in the row, and signatures still verify", async () => {
    const a = await app();
    const made = await a.inject({
      method: "POST",
      url: "/v1/webhooks",
      headers: platform,
      payload: { url, events: ["user.suspended"] },
    });
    await a.close();
    const { id, secret } = made.json<{ id: string; secret: string }>();
    const row = await stored(id);
    expect(row).toMatch(/^v1:/);
    expect(row).not.toContain(secret);
    expect(row).not.toContain(secret.slice("whsec_".length));
    await deliverAndVerify(secret);
    await db().query("UPDATE webhook_endpoints SET active = false WHERE id = $1", [id]);
  });

  it("signs with a plaintext secret written before sealing, and seals it when a server starts", async () => {
    const legacy = `whsec_${randomBytes(24).toString("base64url")}`;
    await db().query(
      `INSERT INTO webhook_endpoints (id, url, secret, events, created_at) VALUES ('whk_legacy', $1, $2, '{user.suspended}', $3)`,
      [url, legacy, at],
    );
    await deliverAndVerify(legacy);
    await (await app()).close();
    const row = await stored("whk_legacy");
    expect(row).toMatch(/^v1:/);
    expect(row).not.toContain(legacy);
    await deliverAndVerify(legacy);
  });
});

describe("webhook targets (SSRF)", () => {
  it("are refused when they are, or resolve to, an internal address", async () => {
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.20.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
      "0.0.0.0",
      "100.64.0.1",
    ])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
      expect(isPrivateAddress(a), a).toBe(false);
    expect(await webhookTargetRefusal("http://127.0.0.1:8080/x", false)).toMatch(/loopback/);
    expect(await webhookTargetRefusal("http://[::1]/x", false)).toMatch(/private/);
    expect(await webhookTargetRefusal("http://localhost/x", false)).toMatch(
      /LEAKGUARD_WEBHOOK_ALLOW_PRIVATE/,
    );
    expect(await webhookTargetRefusal("http://127.0.0.1:8080/x", true)).toBeNull();
  });

  // DNS rebinding: a name that answers a public address to the check before a send and a private one to the
  // connection. The connection resolves the name itself and refuses what it resolved to, so a name that
  // resolves inside the network when connecting ("localhost", a real name on this machine) reaches no one.
  it("are refused by the connection itself when the name resolves inside the network then", async () => {
    let received = 0;
    const receiver = createServer((req, res) => {
      received++;
      req.resume();
      res.statusCode = 204;
      res.end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const port = (receiver.address() as AddressInfo).port;
    try {
      const post = (allowPrivate: boolean) =>
        postWebhook(`http://localhost:${port}/hooks`, { "content-type": "application/json" }, "{}", {
          timeoutMs: 5_000,
          allowPrivate,
        });
      const refused = await post(false).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toMatchObject({ code: PRIVATE_ADDRESS_REFUSED });
      expect(refused instanceof Error ? refused.message : "").toMatch(
        /localhost resolved to a private, loopback .*\((127\.0\.0\.1|::1)\)/,
      );
      expect(received).toBe(0);
      // Allowed (a receiver on a private network, these tests), the same post is delivered.
      expect(await post(true)).toBe(204);
      expect(received).toBe(1);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it("resolve for the connection to the addresses they were checked at, one or all as asked", async () => {
    const resolved = (all: boolean) =>
      new Promise<unknown>((resolve, reject) =>
        publicAddressLookup("localhost", { all }, (error, address, family) =>
          error === null ? resolve({ address, family }) : reject(error),
        ),
      );
    // localhost resolves inside the network whichever way it is asked.
    await expect(resolved(true)).rejects.toMatchObject({ code: PRIVATE_ADDRESS_REFUSED });
    await expect(resolved(false)).rejects.toMatchObject({ code: PRIVATE_ADDRESS_REFUSED });
    // A name that does not resolve fails as the resolver says.
    await expect(
      new Promise((resolve, reject) =>
        publicAddressLookup("no-such-host.invalid", {}, (error, address) =>
          error === null ? resolve(address) : reject(error),
        ),
      ),
    ).rejects.toMatchObject({ code: "ENOTFOUND" });
  });
});

describe.each(engines)("webhook targets through the API and the sender, on $name", ({ open }) => {
  const db = migratedDb(open);
  const at = new Date("2026-12-03T09:00:00Z");
  it("refuses an internal endpoint when it is added, and does not send to one already stored", async () => {
    const app = await buildApp({ db: db(), apiKeyHashes: [sha256Hex(TEST_KEY)], now: () => at });
    for (const url of ["http://127.0.0.1:9/hooks", "http://169.254.169.254/latest/meta-data/"]) {
      const res = await app.inject({
        method: "POST",
        url: "/v1/webhooks",
        headers: platform,
        payload: { url, events: ["*"] },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json<{ error: { code: string; message: string } }>().error).toMatchObject({
        code: "invalid_webhook_url",
      });
    }
    await app.close();
    await db().query(
      `INSERT INTO webhook_endpoints (id, url, secret, events, created_at) VALUES ('whk_inside', 'http://127.0.0.1:9/hooks', 'whsec_x', '{user.suspended}', $1)`,
      [at],
    );
    await emitEvent(db(), "user.suspended", at, { accountId: "someone" });
    const run = await deliverDueWebhooks(db(), at, { leaseMs: 30_000 });
    expect(run).toEqual({ delivered: 0, retried: 1, failed: 0 });
    const attempt = await db().query<{ error: string }>(
      "SELECT a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = 'whk_inside'",
    );
    expect(attempt.rows[0]?.error).toMatch(/loopback/);
  });
});
