#!/usr/bin/env node
// The HTTP floor for scripts/bench-api.mjs: N processes of the server's own
// Fastify (the same version, from apps/server's dependencies) behind one port,
// as bench-api-cluster.mjs runs the server, answering the check's and the
// send's routes with a constant JSON body and nothing else: no validation, no
// authentication, no logging, no engine, no database. Driven by the same load
// as the real routes, it measures what the framework, the loopback and the
// load generator cost by themselves, the baseline the real figures are read
// against.
//
// Usage: node scripts/bench-api-floor.mjs N    (PORT from the environment)
import cluster from "node:cluster";
import { createRequire } from "node:module";

const n = Number(process.argv[2] ?? "1");
if (!Number.isInteger(n) || n < 1) {
  console.error("usage: node scripts/bench-api-floor.mjs N (N >= 1)");
  process.exit(2);
}

if (cluster.isPrimary) {
  for (let i = 0; i < n; i++) cluster.fork();
  let listening = 0;
  cluster.on("listening", () => {
    listening++;
    if (listening === n) console.log(`bench-api-floor: ${n} server processes listening`);
  });
  for (const signal of ["SIGINT", "SIGTERM"])
    process.once(signal, () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill("SIGTERM");
      process.exit(0);
    });
} else {
  const Fastify = createRequire(new URL("../apps/server/package.json", import.meta.url))("fastify");
  const app = Fastify({ logger: false });
  const answer = { verdict: "allow", delivery: "deliver", shownText: "", explanations: [] };
  app.post("/v1/messages/check", async () => answer);
  app.post("/v1/messages", async (_request, reply) => reply.code(201).send(answer));
  await app.listen({ host: "127.0.0.1", port: Number(process.env.PORT) });
}
