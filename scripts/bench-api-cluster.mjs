#!/usr/bin/env node
// Runs N copies of the built server behind one port, for scripts/bench-api.mjs.
//
// Usage: node scripts/bench-api-cluster.mjs N   (the server's settings come from the environment)
//
// Why `cluster` and not two ports with the load split: one port is what a load
// balancer in front of N processes looks like to a client, and autocannon then
// needs no splitting of its connections or merging of two sets of histograms.
// Node 20 has no reusePort, so the primary accepts each connection and hands it
// to a worker in turn (round robin). autocannon keeps its connections open, so
// the primary's share of the work is a handful of accepts per run, not one per
// request. The workers run apps/server/dist/main.js unchanged: main.ts reads its
// environment and listens as it would alone.
import cluster from "node:cluster";
import { fileURLToPath } from "node:url";

const n = Number(process.argv[2] ?? "1");
if (!Number.isInteger(n) || n < 1) {
  console.error("usage: node scripts/bench-api-cluster.mjs N (N >= 1)");
  process.exit(2);
}

cluster.setupPrimary({ exec: fileURLToPath(new URL("../apps/server/dist/main.js", import.meta.url)) });
let stopping = false;
for (let i = 0; i < n; i++) cluster.fork();
// Said on the primary's own output, whatever LEAKGUARD_LOG_LEVEL hides of the servers' logs: bench-api waits for it.
let listening = 0;
cluster.on("listening", () => {
  listening++;
  if (listening === n) console.log(`bench-api-cluster: ${n} server processes listening`);
});
cluster.on("exit", (worker, code) => {
  // A server that dies mid-run would make the figures meaningless: stop everything and say so.
  if (!stopping) {
    console.error(`bench-api-cluster: server process ${worker.process.pid} exited (${code})`);
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.kill("SIGTERM");
    process.exitCode = 1;
  }
});

for (const signal of ["SIGINT", "SIGTERM"])
  process.once(signal, () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    let left = workers.length;
    if (left === 0) process.exit(0);
    for (const w of workers) {
      w.once("exit", () => {
        if (--left === 0) process.exit(process.exitCode ?? 0);
      });
      w.kill("SIGTERM");
    }
  });
