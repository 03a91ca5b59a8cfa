import { type ChildProcess, execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Db, migrate, openDb } from "@leakguard/store";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exited, outputOf, until } from "./fault.test-helper.js";
import { creationId } from "./http.js";
import { PROCESS_KEY, SERVER_MAIN, startServer } from "./server-process.test-helper.js";

/**
 * PostgreSQL restarted under load. A private PostgreSQL instance (so stopping
 * it disturbs no other test), an API process and a worker on it, a load of
 * message sends and milestone fundings from clients that retry with the same
 * Idempotency-Key until they get an answer, and a webhook receiver. The
 * database is stopped the hard way (pg_ctl -m immediate: every connection cut,
 * crash recovery on start) for a few seconds, then started again.
 *
 * Shown: while it is down the API answers 503 database_unavailable with
 * Retry-After (never 500, never hanging) and /readyz answers 503; both
 * processes recover by themselves; every acknowledged request is in the
 * database exactly once, retries never duplicate, and every webhook event is
 * received, each delivery marked delivered once.
 */
const PG_BIN = "/usr/lib/postgresql/15/bin";
const url = process.env.DATABASE_URL;
const runnable =
  url !== undefined && url !== "" && existsSync(join(PG_BIN, "initdb")) && process.getuid?.() === 0;
const run = promisify(execFile);
const asPostgres = (bin: string, args: string[]) =>
  run("runuser", ["-u", "postgres", "--", join(PG_BIN, bin), ...args], { timeout: 120_000 });

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

type Op =
  | { kind: "message"; sender: string; recipient: string; text: string; key: string }
  | { kind: "fund"; client: string; milestoneId: string; amount: bigint; key: string };

interface Seen {
  status: number;
  code?: string;
  retryAfter?: string | null;
  at: number;
}

describe.skipIf(!runnable)(
  "PostgreSQL restarted under load (needs DATABASE_URL, root and PostgreSQL 15's binaries; skipped otherwise)",
  () => {
    // Made in beforeAll: a skipped suite leaves no directory behind.
    let dir = "";
    let data = "";
    let port = 0;
    let dbUrl = "";
    let db: Db | undefined;
    const children: ChildProcess[] = [];
    const received: string[] = [];
    const receiver = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        received.push((JSON.parse(body) as { id: string }).id);
        res.statusCode = 204;
        res.end();
      });
    });
    const pgStart = () =>
      asPostgres("pg_ctl", [
        "-D",
        data,
        "-l",
        join(dir, "postgres.log"),
        "-w",
        "-t",
        "60",
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`,
        "start",
      ]);
    const pgStop = (mode: "fast" | "immediate") =>
      asPostgres("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]);

    beforeAll(async () => {
      expect(existsSync(SERVER_MAIN), `${SERVER_MAIN} is missing: run npx tsc -b first`).toBe(true);
      dir = mkdtempSync(join(tmpdir(), "leakguard-pg-restart-"));
      data = join(dir, "data");
      const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
      chownSync(dir, uid, Number((await run("id", ["-g", "postgres"])).stdout.trim()));
      await asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
      port = await freePort();
      await pgStart();
      const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
      await admin.connect();
      await admin.query("CREATE DATABASE leakguard_fault_pg");
      await admin.end();
      dbUrl = `postgres://postgres@127.0.0.1:${port}/leakguard_fault_pg`;
      db = await openDb({ engine: "postgres", url: dbUrl });
      await migrate(db);
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    }, 120_000);

    afterAll(async () => {
      for (const c of children) c.kill("SIGKILL");
      await db?.close().catch(() => undefined);
      await new Promise((resolve) => receiver.close(resolve));
      if (dir === "") return;
      await pgStop("immediate").catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }, 120_000);

    it("answers 503 while it is down, recovers by itself, and loses or doubles nothing acknowledged", async () => {
      const env = { DATABASE_URL: dbUrl, LEAKGUARD_CLOCK_MS: "1000" };
      const api = await startServer({ ...env, LEAKGUARD_ROLE: "api" });
      const worker = await startServer({ ...env, LEAKGUARD_ROLE: "worker" }, { ready: /role: worker/ });
      children.push(api.child, worker.child);
      const workerLog = outputOf(worker.child);
      const apiLog = outputOf(api.child);

      const call = (method: string, path: string, actAs?: string, body?: object, key?: string) =>
        fetch(`${api.url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${PROCESS_KEY}`,
            ...(actAs === undefined ? {} : { "leakguard-act-as": actAs }),
            ...(body === undefined ? {} : { "content-type": "application/json" }),
            ...(key === undefined ? {} : { "idempotency-key": key }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          // Far above any answer the API should give; reaching it counts as hanging.
          signal: AbortSignal.timeout(30_000),
        });

      // Ten pairs that talk and pay; fifteen more whose client asks once to be paid outside (held, a case).
      const PAIRS = 10;
      const HELD = 15;
      const MESSAGES = 15;
      const MILESTONES = 10;
      const ids = (n: number, p: string) => Array.from({ length: n }, (_, i) => [`${p}c${i}`, `${p}f${i}`]);
      const pairs = ids(PAIRS, "p");
      const holders = ids(HELD, "h");
      for (const [client, freelancer] of [...pairs, ...holders] as [string, string][])
        for (const [id, role] of [
          [client, "client"],
          [freelancer, "freelancer"],
        ] as const)
          expect(
            (
              await call("POST", "/v1/accounts", undefined, {
                id,
                role,
                displayName: id,
                country: "US",
                locale: "en-US",
              })
            ).status,
          ).toBe(201);
      const hook = await call("POST", "/v1/webhooks", undefined, {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        events: ["*"],
      });
      expect(hook.status).toBe(201);
      const endpointId = ((await hook.json()) as { id: string }).id;

      const ops: Op[] = [];
      for (const [i, [client, freelancer]] of (pairs as [string, string][]).entries()) {
        const made = await call(
          "POST",
          "/v1/contracts/fixed-price",
          client,
          {
            freelancerId: freelancer,
            currency: "USD",
            milestones: Array.from({ length: MILESTONES }, (_, j) => ({ amount: String(10_000 + 100 * j) })),
          },
          `contract-${i}-0001`,
        );
        expect(made.status).toBe(201);
        const { milestones } = (await made.json()) as { milestones: { id: string; amount: string }[] };
        for (const m of milestones)
          ops.push({
            kind: "fund",
            client,
            milestoneId: m.id,
            amount: BigInt(m.amount),
            key: `fund-${m.id}`,
          });
        for (let j = 0; j < MESSAGES; j++) {
          const [sender, recipient] = j % 2 === 0 ? [client, freelancer] : [freelancer, client];
          ops.push({
            kind: "message",
            sender,
            recipient,
            text: `Update ${j + 1} on the landing page: the hero section and the pricing table are ready for review.`,
            key: `msg-${i}-${j}-0001`,
          });
        }
      }
      for (const [i, [client, freelancer]] of (holders as [string, string][]).entries())
        ops.push({
          kind: "message",
          sender: client,
          recipient: freelancer,
          text: "Let's skip the fees, I'll pay you directly via PayPal.",
          key: `held-${i}-0001`,
        });
      // Interleaved, so each kind is in flight when the database goes.
      ops.sort((a, b) => (a.key.split("").reverse().join() < b.key.split("").reverse().join() ? -1 : 1));

      const seen: Seen[] = [];
      const unexpected: string[] = [];
      const acknowledged = new Set<string>();
      let hung = 0;
      let next = 0;
      const send = (op: Op) =>
        op.kind === "message"
          ? call("POST", "/v1/messages", op.sender, { recipientId: op.recipient, text: op.text }, op.key)
          : call("POST", `/v1/milestones/${op.milestoneId}/fund`, op.client, undefined, op.key);
      // A client that retries with the same key until it has an answer, as the 503 asks.
      const lane = async () => {
        for (let op = ops[next++]; op !== undefined; op = ops[next++])
          for (;;) {
            let res: Response;
            try {
              res = await send(op);
            } catch (error) {
              if ((error as Error).name === "TimeoutError") hung++;
              else unexpected.push(`${op.key}: ${(error as Error).message}`);
              continue;
            }
            const body = (await res.json()) as { error?: { code: string } };
            seen.push({
              status: res.status,
              ...(body.error === undefined ? {} : { code: body.error.code }),
              retryAfter: res.headers.get("retry-after"),
              at: Date.now(),
            });
            if (res.status === 200 || res.status === 201) {
              acknowledged.add(op.key);
              break;
            }
            if (res.status !== 503) {
              unexpected.push(`${op.key}: ${res.status} ${JSON.stringify(body)}`);
              break;
            }
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
      };
      const load = Promise.all(Array.from({ length: 6 }, lane));

      // Stop the database once a third of the load is acknowledged; keep it down until the API has said so.
      await until("a third of the load acknowledged", () =>
        Promise.resolve(acknowledged.size >= ops.length / 3),
      );
      const ackedBefore = acknowledged.size;
      const stoppedAt = Date.now();
      await pgStop("immediate");
      const readyz = async () => {
        try {
          return (await fetch(`${api.url}/readyz`, { signal: AbortSignal.timeout(30_000) })).status;
        } catch {
          return -1;
        }
      };
      // A process the outage killed fails the test at once, with what it said.
      const bothAlive = () => {
        for (const [name, c, log] of [
          ["API", api.child, apiLog],
          ["worker", worker.child, workerLog],
        ] as const)
          if (c.exitCode !== null || c.signalCode !== null)
            throw new Error(
              `the ${name} process died (${c.exitCode ?? c.signalCode}):\n${log().slice(-2_000)}`,
            );
      };
      let readyzDown = 0;
      await until(
        "/readyz and the load to see the outage",
        async () => {
          bothAlive();
          if ((await readyz()) === 503) readyzDown++;
          // Down for a few seconds at least, whatever the pace of the load.
          return (
            Date.now() - stoppedAt >= 3_000 &&
            readyzDown >= 3 &&
            seen.filter((s) => s.at > stoppedAt && s.status === 503).length >= 20
          );
        },
        60_000,
      );
      const ackedWhileDown = acknowledged.size;
      const startingAt = Date.now();
      await pgStart();
      const startedAt = Date.now();
      await until(
        "/readyz to answer 200 again",
        async () => {
          bothAlive();
          return (await readyz()) === 200;
        },
        60_000,
      );
      const readyAt = Date.now();
      await load;
      const doneAt = Date.now();
      const firstAckAfter = seen.find((s) => s.at >= startingAt && s.status < 300)?.at ?? Number.NaN;

      // Never 500, never hanging, never anything but an answer or a 503 that says why.
      expect(unexpected).toEqual([]);
      expect(hung).toBe(0);
      expect(acknowledged.size).toBe(ops.length);
      const unavailable = seen.filter((s) => s.status === 503);
      expect(unavailable.length).toBeGreaterThan(0);
      for (const s of unavailable) expect(s).toMatchObject({ code: "database_unavailable", retryAfter: "5" });
      expect(new Set(seen.map((s) => s.status))).toEqual(new Set([200, 201, 503]));
      // Both processes lived through it: never restarted.
      expect(api.child.exitCode).toBeNull();
      expect(worker.child.exitCode).toBeNull();

      const d = db as Db;
      const rows = async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
        (await d.query<R>(sql, params)).rows;
      // Every acknowledged message once: the id each key made, and no other.
      const messageOps = ops.filter((o) => o.kind === "message");
      const stored = await rows<{ id: string }>("SELECT id FROM messages");
      expect(stored.map((r) => r.id).sort()).toEqual(
        messageOps.map((o) => creationId("msg", o.sender, o.key)).sort(),
      );
      // Every funding once: one transfer into each escrow, for its amount; the ledger balances.
      const fundOps = ops.filter((o) => o.kind === "fund");
      const escrows = await rows<{ credit: string; n: string; sum: string }>(
        "SELECT credit, COUNT(*)::text AS n, SUM(amount)::text AS sum FROM ledger_transfers GROUP BY credit",
      );
      expect(escrows.sort((a, b) => (a.credit < b.credit ? -1 : 1))).toEqual(
        fundOps
          .map((o) => ({ credit: `escrow:${o.milestoneId}`, n: "1", sum: String(o.amount) }))
          .sort((a, b) => (a.credit < b.credit ? -1 : 1)),
      );
      expect(await rows("SELECT COALESCE(SUM(balance), 0)::text AS sum FROM ledger_accounts")).toEqual([
        { sum: "0" },
      ]);
      expect(
        await rows("SELECT status, COUNT(*)::text AS n FROM milestones GROUP BY status ORDER BY status"),
      ).toEqual([{ status: "funded", n: String(fundOps.length) }]);

      // Webhooks: one event per held message (retries add none), every event received, each delivered once.
      const events = await rows<{ id: string; type: string }>("SELECT id, type FROM webhook_events");
      expect(events.filter((e) => e.type === "message.held")).toHaveLength(HELD);
      await until(
        "every webhook delivered",
        async () =>
          (
            await rows<{ n: string }>(
              "SELECT COUNT(*)::text AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'delivered'",
              [endpointId],
            )
          )[0]?.n === String(events.length),
        60_000,
      );
      const deliveries = await rows<{ event_id: string; status: string }>(
        "SELECT event_id, status FROM webhook_deliveries WHERE endpoint_id = $1",
        [endpointId],
      );
      expect(deliveries.map((r) => r.event_id).sort()).toEqual(events.map((e) => e.id).sort());
      expect(new Set(received)).toEqual(new Set(events.map((e) => e.id)));

      const figures = {
        requests: ops.length,
        acknowledgedBeforeStop: ackedBefore,
        acknowledgedWhileStoppingOrDown: ackedWhileDown - ackedBefore,
        answers: seen.length,
        "503s": unavailable.length,
        "503sWhileDown": unavailable.filter((s) => s.at >= stoppedAt && s.at < startedAt).length,
        readyz503s: readyzDown,
        downMs: startedAt - stoppedAt,
        pgStartMs: startedAt - startingAt,
        readyAfterStartMs: readyAt - startedAt,
        firstAckAfterStartMs: firstAckAfter - startedAt,
        loadDoneAfterStartMs: doneAt - startedAt,
        webhookEvents: events.length,
        webhookRequestsReceived: received.length,
        webhookRedeliveries: received.length - new Set(received).size,
        workerErrorLines: workerLog()
          .split("\n")
          .filter((l) => /failed/.test(l)).length,
      };
      console.log(`PostgreSQL restart under load: ${JSON.stringify(figures, null, 1)}`);
      for (const c of [api.child, worker.child]) c.kill("SIGTERM");
      await Promise.all([exited(api.child), exited(worker.child)]);
    }, 300_000);
  },
);
