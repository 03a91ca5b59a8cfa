#!/usr/bin/env node
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { migrate, openDb } from "@leakguard/store";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";
import { parseConfig } from "./config.js";

// The only place the server reads process.env: parsed once, frozen, passed down.
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  console.error(`leakguard server: bad configuration\n  ${parsed.problems.join("\n  ")}`);
  process.exit(2);
}
const config = parsed.config;

let apiKeyHashes = config.apiKeyHashes;
let devKey: string | undefined;
if (apiKeyHashes.length === 0) {
  // No key configured: one for this run only, printed below, so a first start needs no setup.
  devKey = `lg_dev_${randomBytes(18).toString("base64url")}`;
  apiKeyHashes = [sha256Hex(devKey)];
}

if (config.databaseUrl === undefined) mkdirSync(config.dataDir, { recursive: true });
const db = await openDb(
  config.databaseUrl === undefined
    ? { engine: "pglite", dataDir: config.dataDir }
    : { engine: "postgres", url: config.databaseUrl },
);
const applied = await migrate(db);
const app = await buildApp({ db, apiKeyHashes, logger: false });
const url = await app.listen({ host: config.host, port: config.port });

console.log(`Leakguard API on ${url} (reference: ${url}/docs, OpenAPI: ${url}/openapi.json)`);
console.log(
  `database: ${config.databaseUrl === undefined ? `PGlite in ${config.dataDir}` : "PostgreSQL"}; migrations applied now: ${applied.length}`,
);
if (devKey !== undefined)
  console.log(
    `platform API key for this run: ${devKey}\n  (set LEAKGUARD_API_KEY_HASHES to the SHA-256 of your own keys to fix them)`,
  );

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    void app
      .close()
      .then(() => db.close())
      .then(() => process.exit(0));
  });
