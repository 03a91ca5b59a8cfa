import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROCESS_KEY as KEY, SERVER_MAIN as MAIN, startServer } from "./server-process.test-helper.js";
import { verifyWebhook } from "./webhook-delivery.js";

/** Where a server process keeps its data: a PGlite directory, or a database of its own on the real server. */
interface Storage {
  name: string;
  env: () => Promise<Record<string, string>>;
  drop: () => Promise<void>;
}

function storages(): Storage[] {
  const dir = mkdtempSync(join(tmpdir(), "leakguard-webhooks-"));
  const list: Storage[] = [
    {
      name: "pglite",
      env: () => Promise.resolve({ LEAKGUARD_DATA_DIR: dir }),
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    },
  ];
  const url = process.env.DATABASE_URL;
  if (url !== undefined && url !== "") {
    const name = `leakguard_webhooks_${randomBytes(5).toString("hex")}`;
    const admin = () => new pg.Client({ connectionString: url });
    list.push({
      name: "postgres",
      env: async () => {
        const c = admin();
        await c.connect();
        await c.query(`CREATE DATABASE ${name}`);
        await c.end();
        const own = new URL(url);
        own.pathname = `/${name}`;
        return { DATABASE_URL: own.toString() };
      },
      drop: async () => {
        const c = admin();
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    });
  }
  return list;
}

describe.each(storages())("webhooks survive a server killed mid-delivery, on $name", (storage) => {
  const seen: { headers: IncomingHttpHeaders; body: string; at: number }[] = [];
  /** While set, requests are kept unanswered and this is called with the first. */
  let trap: (() => void) | null = null;
  const parked: ServerResponse[] = [];
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      seen.push({ headers: req.headers, body, at: Date.now() });
      if (trap !== null) {
        parked.push(res);
        const spring = trap;
        trap = null;
        spring();
        return;
      }
      if (parked.length > 0) {
        // Requests that came in while the server was being killed: never answered.
        parked.push(res);
        return;
      }
      res.statusCode = 204;
      res.end();
    });
  });
  let hookUrl = "";
  let env: Record<string, string> = {};
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    expect(existsSync(MAIN), `${MAIN} is missing: run npm run build first (npm test does)`).toBe(true);
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/leakguard`;
    env = await storage.env();
  }, 60_000);
  afterAll(async () => {
    for (const c of children) c.kill("SIGKILL");
    for (const r of parked) r.destroy();
    await new Promise((resolve) => receiver.close(resolve));
    await storage.drop();
  });

  it("delivers every event, each id seen by the receiver, after a SIGKILL between commit and delivery", async () => {
    const first = await startServer(env);
    children.push(first.child);
    const call = async (base: string, method: string, path: string, actAs?: string, body?: object) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${KEY}`,
          ...(actAs === undefined ? {} : { "leakguard-act-as": actAs }),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    for (const [id, role] of [
      ["cli_k", "client"],
      ["fre_k", "freelancer"],
      ["agt_k", "agent"],
    ] as const)
      expect(
        (
          await call(first.url, "POST", "/v1/accounts", undefined, {
            id,
            role,
            displayName: id,
            country: "US",
            locale: "en-US",
          })
        ).status,
      ).toBe(201);
    const endpoint = await call(first.url, "POST", "/v1/webhooks", undefined, {
      url: hookUrl,
      events: ["*"],
    });
    const secret = endpoint.json.secret as string;

    // The first delivery to arrive is kept unanswered, and the server is killed there and then.
    const killed = new Promise<void>((resolve) => {
      trap = () => {
        first.child.kill("SIGKILL");
        resolve();
      };
    });
    const held = await call(first.url, "POST", "/v1/messages", "cli_k", {
      recipientId: "fre_k",
      text: "Let's skip the fees, I'll pay you directly via PayPal.",
    });
    expect(held.json.delivery).toBe("held");
    await killed;
    await new Promise((resolve) => first.child.once("exit", resolve));
    const beforeRestart = seen.length;
    expect(beforeRestart).toBeGreaterThanOrEqual(1);
    for (const r of parked.splice(0)) r.destroy();

    // A new process on the same data: the dead one's lease expires and it sends again.
    const second = await startServer(env);
    children.push(second.child);
    const cases = await call(second.url, "GET", "/v1/cases", "agt_k");
    const caseId = (cases.json.cases as { id: string }[])[0]?.id ?? "";
    const acted = await call(second.url, "POST", `/v1/cases/${caseId}/actions`, "agt_k", {
      kind: "suspend",
      reason: "asked to be paid outside",
    });
    expect(acted.status).toBe(201);

    const expected = ["message.held", "case.opened", "action.taken", "user.suspended"];
    const unique = () => {
      const byId = new Map<string, string>();
      for (const r of seen) {
        const e = JSON.parse(r.body) as { id: string; type: string };
        byId.set(e.id, e.type);
      }
      return byId;
    };
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && [...unique().values()].sort().join() !== [...expected].sort().join())
      await new Promise((resolve) => setTimeout(resolve, 100));
    const byId = unique();
    // Each event once by id, whatever the number of requests.
    expect([...byId.values()].sort()).toEqual([...expected].sort());
    for (const r of seen) expect(verifyWebhook(secret, r.headers, r.body, new Date())).toBe(true);
    // What reached the receiver before the kill came again after the restart, with the same id.
    const firstId = (JSON.parse(seen[0]?.body ?? "{}") as { id: string }).id;
    expect(seen.slice(beforeRestart).some((r) => (JSON.parse(r.body) as { id: string }).id === firstId)).toBe(
      true,
    );
    // And the log agrees: all delivered. The sender records a delivery after the receiver has
    // answered, so the log may lag what the receiver saw by a moment: polled, not read once.
    const statusesNow = async () => {
      const log = await call(
        second.url,
        "GET",
        `/v1/webhooks/${endpoint.json.id as string}/deliveries`,
        undefined,
      );
      return (log.json.deliveries as { status: string }[]).map((d) => d.status);
    };
    let statuses = await statusesNow();
    const recorded = Date.now() + 30_000;
    while (Date.now() < recorded && statuses.some((s) => s !== "delivered")) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      statuses = await statusesNow();
    }
    expect(statuses).toEqual(expected.map(() => "delivered"));
    second.child.kill("SIGTERM");
  }, 90_000);
});
