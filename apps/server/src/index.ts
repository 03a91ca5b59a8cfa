/** @leakguard/server: the HTTP API. */
export { type AppOptions, buildApp } from "./app.js";
export { sha256Hex } from "./auth.js";
export { type ConfigResult, parseConfig, type ServerConfig } from "./config.js";
export { databaseLabel, openConfiguredDb } from "./database.js";
export { type ApiCode, type EdgeCode, STATUS_OF } from "./errors.js";
