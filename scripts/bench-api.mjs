#!/usr/bin/env node
// Load on the HTTP API on the real PostgreSQL: the pre-send check
// (POST /v1/messages/check) and message send (POST /v1/messages: scan,
// persist, signals), each driven by autocannon from this process over
// loopback, once with one API process and once with two.
//
// Usage: npm run bench:api                 (builds first)
//        node scripts/bench-api.mjs [--duration S] [--connections C] [--pairs P]
//                                   [--processes 1,2] [--no-worker] [--no-floor]
//                                   [--only check|send] [--history H]
//
// For each process count: a fresh database on PostgreSQL (BENCH_PG_URL,
// default postgres://postgres@127.0.0.1:5432) is created, the API processes
// start on it (scripts/bench-api-cluster.mjs: N workers behind one port),
// P client/freelancer pairs are written through the API (the platform key,
// Leakguard-Act-As; each pair's first message forms it), with --history H
// more corpus messages each (a conversation the engine reads back: each send
// and check screens a text with the pair's last 20 messages), then each
// endpoint is warmed up and measured: send first, so the checks run in
// conversations the sends made longer. The database is dropped afterwards.
//
// Message text is the labelled dev corpus (corpus/dev/messages.jsonl, clean
// and violating lines, every language), in a seeded order, rotated across
// requests, pairs and senders (client and freelancer in turn), so no request
// repeats its neighbour's pair and the per-pair locks of a send do not
// serialise the run.
//
// A worker process (LEAKGUARD_ROLE=worker) runs during the send run by default
// (--no-worker leaves it out): a send writes no webhook event of its own and
// records its signals inside its own transaction, so the worker has nothing
// to do for it but its webhook poll and its clock; it runs so the send figure
// is the one of a real deployment, not because it changes much.
//
// The server's environment is this process's, with the bench's settings on
// top: set any other LEAKGUARD_* variable (a rate limit, metrics, logging)
// to measure with it on or off. BENCH_PG_URL names the PostgreSQL server.
//
// Beside requests/s and latency, each run prints where the machine's CPU went per
// request (the API processes, PostgreSQL, the load generator, the whole machine
// from /proc/stat) and the ceiling that cost sets: the cores' CPU seconds divided
// by the machine's CPU per request, the most requests a second this machine could
// serve at that cost however the work were queued.
//
// Figures only: a missed target is printed as MISSED, never an exit code.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { openDb } from "@leakguard/store";
import autocannon from "autocannon";

const root = fileURLToPath(new URL("..", import.meta.url));
const SERVER_MAIN = `${root}apps/server/dist/main.js`;
const CLUSTER = `${root}scripts/bench-api-cluster.mjs`;
const FLOOR = `${root}scripts/bench-api-floor.mjs`;
const PG = (process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432").replace(/\/+$/, "");

// Node options for the server processes (the cluster's workers inherit them), e.g.
// BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them under load.
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");

const TARGETS = {
  check: { rps: 5_000, p99: 20 },
  send: { rps: 1_000, p99: 50 },
};

// ---------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const opts = {
    duration: 10,
    connections: 32,
    pairs: 200,
    processes: [1, 2],
    worker: true,
    seed: 20261203,
    only: null,
    history: 0,
    floor: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--duration") opts.duration = Number(value());
    else if (a === "--connections") opts.connections = Number(value());
    else if (a === "--pairs") opts.pairs = Number(value());
    else if (a === "--seed") opts.seed = Number(value());
    else if (a === "--processes") opts.processes = value().split(",").map(Number);
    else if (a === "--no-worker") opts.worker = false;
    else if (a === "--no-floor") opts.floor = false;
    else if (a === "--only") opts.only = value();
    else if (a === "--history") opts.history = Number(value());
    else if (a === "--help" || a === "-h") {
      console.log(
        "usage: node scripts/bench-api.mjs [--duration S] [--connections C] [--pairs P] [--processes 1,2] [--no-worker] [--no-floor] [--only check|send] [--history H] [--seed S]",
      );
      process.exit(0);
    } else throw new Error(`unknown argument: ${a}`);
  }
  for (const [name, v] of [
    ["--duration", opts.duration],
    ["--connections", opts.connections],
    ["--pairs", opts.pairs],
  ])
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  if (!Number.isInteger(opts.history) || opts.history < 0)
    throw new Error("--history must be a whole number");
  if (opts.only !== null && opts.only !== "check" && opts.only !== "send")
    throw new Error("--only is check or send");
  if (opts.processes.length === 0 || opts.processes.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error("--processes is a comma-separated list of positive integers");
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`bench-api: ${err.message}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------
// Message text: the dev corpus in a seeded order

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const corpus = readFileSync(`${root}corpus/dev/messages.jsonl`, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l));
const rand = mulberry32(opts.seed);
for (let i = corpus.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [corpus[i], corpus[j]] = [corpus[j], corpus[i]];
}
const texts = corpus.map((m) => m.text);
const violating = corpus.filter((m) => m.violation).length;

// ---------------------------------------------------------------------------
// Processes and database

const thousands = (n) => Math.round(n).toLocaleString("en-US");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `args` with node and resolves once its output has matched `ready` `times` times. */
function start(args, env, ready, times = 1) {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let errors = "";
  const started = new Promise((resolve, reject) => {
    child.stdout.on("data", (c) => {
      // The server logs a JSON line per request: keep only the tail, or the run's output grows without end.
      out = (out + c.toString()).slice(-65_536);
      if ((out.match(new RegExp(ready.source, "g")) ?? []).length >= times) resolve();
    });
    child.stderr.on("data", (c) => {
      errors += c.toString();
    });
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited (${code}):\n${out}\n${errors}`)));
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { child, started, stop, errors: () => errors };
}

/** The process and its descendants (Linux /proc; empty elsewhere). */
function processTree(pid) {
  try {
    const children = readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, "utf8")
        .split(" ")
        .filter((c) => c !== ""),
    );
    return [pid, ...children.flatMap((c) => processTree(Number(c)))];
  } catch {
    return [];
  }
}

/**
 * CPU seconds (user + system) the processes have used: on a machine shared
 * with other work, CPU per request moves far less than requests/s does.
 */
function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone, or no /proc: counts nothing.
    }
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** CPU seconds of every process named postgres, by pid: the server and its backends. */
function postgresCpu() {
  const byPid = new Map();
  let pids = [];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return byPid;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres") byPid.set(pid, cpuSeconds([pid]));
    } catch {
      // Gone meanwhile.
    }
  }
  return byPid;
}

/** CPU seconds PostgreSQL used between two postgresCpu() readings (a backend that ended meanwhile is not counted). */
function postgresCpuSince(before, after) {
  let s = 0;
  for (const [pid, now] of after) s += now - (before.get(pid) ?? 0);
  return s;
}

/** CPU seconds the whole machine spent busy (all cores; idle and I/O wait excluded), from /proc/stat. */
function machineBusySeconds() {
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return Number.NaN;
  }
}

async function admin(sql) {
  const db = await openDb({ engine: "postgres", url: `${PG}/postgres`, maxConnections: 1 });
  try {
    await db.query(sql);
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------
// Seeding: accounts and pairs through the API

/** The bench's client/freelancer pairs, by id. */
function pairIds(pairs) {
  const ids = [];
  for (let i = 0; i < pairs; i++) {
    const n = String(i).padStart(4, "0");
    ids.push({ client: `bench_cli_${n}`, freelancer: `bench_fre_${n}` });
  }
  return ids;
}

async function seed(base, headers, pairs) {
  const post = async (path, actAs, body) => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { ...headers, ...(actAs === null ? {} : { "leakguard-act-as": actAs }) },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`seeding: ${path} answered ${res.status}: ${await res.text()}`);
  };
  const ids = pairIds(pairs);
  // Twenty at a time: quick, and no burst the pool would queue for long.
  for (let i = 0; i < ids.length; i += 20) {
    await Promise.all(
      ids.slice(i, i + 20).map(async ({ client, freelancer }) => {
        await post("/v1/accounts", null, {
          id: client,
          role: "client",
          displayName: `Client ${client}`,
          country: "US",
          locale: "en",
        });
        await post("/v1/accounts", null, {
          id: freelancer,
          role: "freelancer",
          displayName: `Freelancer ${freelancer}`,
          country: "DE",
          locale: "en",
        });
        // The first message forms the pair.
        await post("/v1/messages", client, {
          recipientId: freelancer,
          text: "Hi, thanks for applying. Could you share a couple of similar projects?",
        });
      }),
    );
  }
  // History: corpus text, the two sides in turn, the pairs in parallel.
  for (let h = 0; h < opts.history; h++)
    for (let i = 0; i < ids.length; i += 20)
      await Promise.all(
        ids.slice(i, i + 20).map(({ client, freelancer }, j) => {
          const [from, to] = h % 2 === 0 ? [freelancer, client] : [client, freelancer];
          return post("/v1/messages", from, {
            recipientId: to,
            text: texts[(h * ids.length + i + j) % texts.length],
          });
        }),
      );
  return ids;
}

// ---------------------------------------------------------------------------
// Load

/**
 * One autocannon run on `path`: request i goes to pair i mod P, from the
 * client or the freelancer (alternating every P requests), with text i mod T.
 */
function load(base, headers, ids, path, duration) {
  let i = 0;
  const instance = autocannon({
    url: base,
    connections: opts.connections,
    duration,
    requests: [
      {
        method: "POST",
        path,
        setupRequest: (req) => {
          const n = i++;
          const pair = ids[n % ids.length];
          const fromClient = Math.floor(n / ids.length) % 2 === 0;
          const [sender, recipient] = fromClient
            ? [pair.client, pair.freelancer]
            : [pair.freelancer, pair.client];
          return {
            ...req,
            headers: { ...headers, "leakguard-act-as": sender },
            body: JSON.stringify({ recipientId: recipient, text: texts[n % texts.length] }),
          };
        },
      },
    ],
  });
  return new Promise((resolve, reject) => {
    instance.once("done", resolve);
    instance.once("error", reject);
  });
}

/**
 * The read cache's counts (hit, miss, bypass) and the scan memo's (hit, miss) summed over the API
 * processes: each /metrics request is a new connection, which the cluster hands to the next process in
 * turn, so `processes` of them reach each once. Counted since the process started (seeding and warm-up
 * included).
 */
async function cacheCounts(port, processes) {
  const counts = { hit: 0, miss: 0, bypass: 0 };
  const memo = { hit: 0, miss: 0 };
  for (let i = 0; i < processes; i++) {
    const text = await new Promise((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, path: "/metrics", agent: false }, (res) => {
          let body = "";
          res.on("data", (c) => {
            body += c;
          });
          res.on("end", () => resolve(body));
        })
        .on("error", reject);
    });
    for (const m of text.matchAll(/^leakguard_read_cache_reads_total\{result="(\w+)"\} (\d+)/gm))
      counts[m[1]] += Number(m[2]);
    for (const m of text.matchAll(/^leakguard_scan_memo_reads_total\{result="(\w+)"\} (\d+)/gm))
      memo[m[1]] += Number(m[2]);
  }
  return { ...counts, memo };
}

function figures(result) {
  const codes = Object.entries(result.statusCodeStats ?? {})
    .map(([code, s]) => `${code}: ${thousands(s.count)}`)
    .join(", ");
  return {
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    codes,
  };
}

/**
 * Warms `path` up, then measures it: autocannon's figures, and where the machine's CPU went per request
 * (the server processes under `serverPid`, PostgreSQL, this process's load generator, the whole machine).
 */
async function measure(base, headers, ids, path, serverPid) {
  // Warm-up: the JIT, the pool's connections, PostgreSQL's plans and caches.
  await load(base, headers, ids, path, Math.min(3, opts.duration));
  await sleep(500);
  const loadavg = os.loadavg();
  const servers = processTree(serverPid);
  const cpuBefore = cpuSeconds(servers);
  const postgresBefore = postgresCpu();
  const machineBefore = machineBusySeconds();
  const clientBefore = process.cpuUsage();
  const result = figures(await load(base, headers, ids, path, opts.duration));
  const perRequest = (seconds) => (seconds * 1000) / Math.max(1, result.total);
  const cpuMs = perRequest(cpuSeconds(servers) - cpuBefore);
  // The load's own share of the 2 cores: autocannon runs in this process.
  const client = process.cpuUsage(clientBefore);
  const clientCpuMs = (client.user + client.system) / 1000 / Math.max(1, result.total);
  // Where the machine's CPU went, per request: what a request costs all of it, and so how many requests
  // a second the machine's cores could serve at that cost if nothing else ran and they were kept busy all
  // the time (the ceiling no tuning of the queueing gets past).
  const postgresCpuMs = perRequest(postgresCpuSince(postgresBefore, postgresCpu()));
  const machineCpuMs = perRequest(machineBusySeconds() - machineBefore);
  const ceiling = (os.cpus().length * 1000) / machineCpuMs;
  return { ...result, loadavg, cpuMs, clientCpuMs, postgresCpuMs, machineCpuMs, ceiling };
}

/** The HTTP floor (scripts/bench-api-floor.mjs) with `processes` processes, loaded as the check is. */
async function floorWith(processes) {
  const port = await freePort();
  const floor = start(
    [FLOOR, String(processes)],
    { ...process.env, PORT: String(port) },
    /bench-api-floor: \d+ server processes listening/,
  );
  try {
    await floor.started;
    const headers = { authorization: "Bearer unused", "content-type": "application/json" };
    const f = await measure(
      `http://127.0.0.1:${port}`,
      headers,
      pairIds(opts.pairs),
      "/v1/messages/check",
      floor.child.pid,
    );
    console.log(
      `${processes} floor process${processes === 1 ? "" : "es"} (Fastify, a constant answer): ${thousands(f.rps)} requests/s, ` +
        `p50 ${f.p50} ms, p99 ${f.p99} ms, server CPU ${f.cpuMs.toFixed(3)} ms/request, load generator CPU ${f.clientCpuMs.toFixed(3)} ms/request`,
    );
    return f;
  } finally {
    await floor.stop();
  }
}

async function runWith(processes) {
  const database = `leakguard_bench_${process.pid}_${processes}`;
  await admin(`DROP DATABASE IF EXISTS ${database}`);
  await admin(`CREATE DATABASE ${database}`);
  const key = `lg_bench_${randomBytes(18).toString("base64url")}`;
  const port = await freePort();
  const env = {
    ...process.env,
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: `${PG}/${database}`,
    LEAKGUARD_DEMO: "0",
    LEAKGUARD_API_KEY_HASHES: createHash("sha256").update(key).digest("hex"),
    // api and worker processes are production: they start only with their secrets from the environment.
    LEAKGUARD_HANDLE_KEY: randomBytes(32).toString("hex"),
    LEAKGUARD_SECRET_KEY: randomBytes(32).toString("hex"),
    // One client drives 200 users at thousands of requests a minute: the limits are raised out of the
    // way, not turned off, so every request still pays for being counted (as in production).
    LEAKGUARD_RATE_LIMIT_USER_PER_MIN: "1000000",
    LEAKGUARD_RATE_LIMIT_IP_PER_MIN: "1000000",
    LEAKGUARD_RATE_LIMIT_PLATFORM_PER_MIN: "10000000",
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("LEAKGUARD_"))),
  };
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  const api = start(
    [CLUSTER, String(processes)],
    { ...env, LEAKGUARD_ROLE: "api" },
    /bench-api-cluster: \d+ server processes listening/,
  );
  let worker;
  try {
    await api.started;
    const ids = await seed(base, headers, opts.pairs);
    const out = {};
    for (const [name, path] of [
      ["send", "/v1/messages"],
      ["check", "/v1/messages/check"],
    ]) {
      if (opts.only !== null && opts.only !== name) continue;
      if (name === "send" && opts.worker) {
        worker = start([SERVER_MAIN], { ...env, LEAKGUARD_ROLE: "worker" }, /role: worker/);
        // The worker says it started in an info line; a quieter LEAKGUARD_LOG_LEVEL hides it, and the
        // run does not wait on it (the worker only has to be running during the send, not first).
        if (["fatal", "error", "warn", "silent"].includes(env.LEAKGUARD_LOG_LEVEL ?? "info"))
          worker.started.catch(() => undefined);
        else await worker.started;
      }
      if (name === "check") {
        await worker?.stop();
        worker = undefined;
      }
      out[name] = await measure(base, headers, ids, path, api.child.pid);
      const c = await cacheCounts(port, processes);
      if (name === "check")
        console.log(
          `read cache since start: ${thousands(c.hit)} hits, ${thousands(c.miss)} misses, ${thousands(c.bypass)} bypassed`,
        );
      console.log(
        `scan memo since start: ${thousands(c.memo.hit)} hits, ${thousands(c.memo.miss)} misses (LEAKGUARD_SCAN_MEMO_ENTRIES=${process.env.LEAKGUARD_SCAN_MEMO_ENTRIES ?? "default"})`,
      );
      console.log(
        `${processes} API process${processes === 1 ? "" : "es"}, ${name}: ${thousands(out[name].rps)} requests/s, ` +
          `p50 ${out[name].p50} ms, p99 ${out[name].p99} ms, errors ${out[name].errors}, non-2xx ${out[name].non2xx}, ` +
          `API CPU ${out[name].cpuMs.toFixed(2)} ms/request, load generator CPU ${out[name].clientCpuMs.toFixed(2)} ms/request, ` +
          `PostgreSQL CPU ${out[name].postgresCpuMs.toFixed(2)} ms/request, whole machine ${out[name].machineCpuMs.toFixed(2)} ms/request ` +
          `(at most ${thousands(out[name].ceiling)} requests/s on ${os.cpus().length} cores at that cost) ` +
          `(${out[name].codes}; load average before ${out[name].loadavg.map((l) => l.toFixed(2)).join(" ")})`,
      );
    }
    return out;
  } finally {
    await worker?.stop();
    await api.stop();
    await admin(`DROP DATABASE IF EXISTS ${database}`).catch((e) =>
      console.error(`bench-api: could not drop ${database}: ${e.message}`),
    );
  }
}

// ---------------------------------------------------------------------------

console.log(
  `bench-api: ${opts.pairs} pairs, ${opts.connections} connections, ${opts.duration} s per run, ` +
    `${texts.length} corpus messages (${violating} violating), history ${opts.history} messages a pair, worker during send: ${opts.worker ? "yes" : "no"}`,
);
const runs = new Map();
const floors = new Map();
for (const n of opts.processes) {
  if (opts.floor) floors.set(n, await floorWith(n));
  runs.set(n, await runWith(n));
}

const verdict = (name, f) => (f.rps >= TARGETS[name].rps && f.p99 < TARGETS[name].p99 ? "MET" : "MISSED");
const rows = [];
for (const [n, r] of runs) {
  const floor = floors.get(n);
  if (floor !== undefined)
    rows.push(
      `| HTTP floor (constant answer) | ${n} | ${thousands(floor.rps)} | ${floor.p50} | ${floor.p99} | ${floor.errors} | ${floor.non2xx} | ${floor.cpuMs.toFixed(2)} | ${floor.postgresCpuMs.toFixed(2)} | ${floor.machineCpuMs.toFixed(2)} | ${thousands(floor.ceiling)} | |`,
    );
  for (const name of ["check", "send"]) {
    const f = r[name];
    if (f === undefined) continue;
    rows.push(
      `| ${name === "check" ? "pre-send check" : "message send"} | ${n} | ${thousands(f.rps)} | ${f.p50} | ${f.p99} | ${f.errors} | ${f.non2xx} | ${f.cpuMs.toFixed(2)} | ${f.postgresCpuMs.toFixed(2)} | ${f.machineCpuMs.toFixed(2)} | ${thousands(f.ceiling)} | ${verdict(name, f)} |`,
    );
  }
}
// Each endpoint against the floor with as many processes: how much of the floor's rate the work leaves.
const againstFloor = [];
for (const [n, r] of runs) {
  const floor = floors.get(n);
  if (floor === undefined) continue;
  for (const name of ["check", "send"].filter((k) => r[k] !== undefined))
    againstFloor.push(
      `${name === "check" ? "pre-send check" : "message send"} with ${n}: ${(r[name].rps / floor.rps).toFixed(3)}`,
    );
}
const ratios = [];
const one = runs.get(1);
const two = runs.get(2);
if (one !== undefined && two !== undefined)
  for (const name of ["check", "send"].filter((n) => one[n] !== undefined))
    ratios.push(
      `${name === "check" ? "pre-send check" : "message send"} ${(two[name].rps / one[name].rps).toFixed(2)}`,
    );

console.log(`
${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, ${new Date().toISOString()}, load average now ${os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(" ")}
targets: pre-send check >= ${thousands(TARGETS.check.rps)} requests/s with p99 < ${TARGETS.check.p99} ms; message send >= ${thousands(TARGETS.send.rps)} messages/s with p99 < ${TARGETS.send.p99} ms
| | API processes | requests/s | p50 ms | p99 ms | errors | non-2xx | API CPU ms/request | PostgreSQL CPU ms/request | machine CPU ms/request | ceiling requests/s | target |
|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}${ratios.length === 0 ? "" : `\nscaling, two processes / one: ${ratios.join(", ")}`}${
  againstFloor.length === 0 ? "" : `\nrequests/s against the HTTP floor: ${againstFloor.join(", ")}`
}`);
