import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_MAIN, PROCESS_KEY, startServer } from "./server-process.test-helper.js";

/**
 * Roles, as `leakguard serve --role` runs them on one PostgreSQL: an API
 * process serves and sends nothing; a worker process, which serves nothing,
 * runs the jobs and sends the webhooks the API's writes queued.
 */
const url = process.env.DATABASE_URL;
describe.skipIf(url === undefined || url === "")("api and worker processes on one PostgreSQL", () => {
  const name = `leakguard_roles_${randomBytes(5).toString("hex")}`;
  const children: ChildProcess[] = [];
  const got: string[] = [];
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      got.push((JSON.parse(body) as { type: string }).type);
      res.statusCode = 204;
      res.end();
    });
  });
  let env: Record<string, string> = {};
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const own = new URL(url ?? "");
    own.pathname = `/${name}`;
    env = { DATABASE_URL: own.toString() };
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    for (const c of children) c.kill("SIGKILL");
    await new Promise((resolve) => receiver.close(resolve));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it("sends webhooks from the worker only, for writes the API took", async () => {
    const api = await startServer(env, { entry: CLI_MAIN, args: ["serve", "--role", "api"] });
    children.push(api.child);
    const call = async (method: string, path: string, body?: object, actAs?: string) =>
      fetch(`${api.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${PROCESS_KEY}`,
          "content-type": "application/json",
          ...(actAs === undefined ? {} : { "leakguard-act-as": actAs }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    for (const [id, role] of [
      ["cli_r1", "client"],
      ["fre_r1", "freelancer"],
    ] as const)
      expect(
        (await call("POST", "/v1/accounts", { id, role, displayName: id, country: "US", locale: "en-US" }))
          .status,
      ).toBe(201);
    const port = (receiver.address() as AddressInfo).port;
    expect(
      (await call("POST", "/v1/webhooks", { url: `http://127.0.0.1:${port}/h`, events: ["*"] })).status,
    ).toBe(201);
    const held = await call(
      "POST",
      "/v1/messages",
      { recipientId: "fre_r1", text: "Let's skip the fees, I'll pay you directly via PayPal." },
      "cli_r1",
    );
    expect(((await held.json()) as { delivery: string }).delivery).toBe("held");
    // The API process sends nothing, however long one waits.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(got).toEqual([]);

    const worker = await startServer(env, {
      entry: CLI_MAIN,
      args: ["serve", "--role", "worker"],
      ready: /role: worker/,
    });
    children.push(worker.child);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && got.length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(got.sort()).toEqual(["case.opened", "message.held"]);
    // The worker serves no HTTP: it printed no address.
    expect(worker.url).toBe("");
  }, 90_000);
});
