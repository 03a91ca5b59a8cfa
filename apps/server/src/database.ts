import { mkdirSync } from "node:fs";
import { type Db, openDb } from "@leakguard/store";
import type { ServerConfig } from "./config.js";

type DatabaseConfig = Pick<ServerConfig, "databaseUrl" | "dataDir">;

/** The configured database, in words for logs and errors. */
export function databaseLabel(config: DatabaseConfig): string {
  return config.databaseUrl === undefined ? `PGlite in ${config.dataDir}` : "PostgreSQL at DATABASE_URL";
}

/** Opens the PostgreSQL server at DATABASE_URL, else the embedded PGlite in the data directory (made if missing). */
export function openConfiguredDb(config: DatabaseConfig): Promise<Db> {
  if (config.databaseUrl !== undefined) return openDb({ engine: "postgres", url: config.databaseUrl });
  mkdirSync(config.dataDir, { recursive: true });
  return openDb({ engine: "pglite", dataDir: config.dataDir });
}
