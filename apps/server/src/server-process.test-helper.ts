import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";

/** The built entry points a test can start as real processes. */
export const SERVER_MAIN = join(import.meta.dirname, "..", "dist", "main.js");
export const CLI_MAIN = join(import.meta.dirname, "..", "..", "cli", "dist", "main.js");
export const PROCESS_KEY = "lg_process_test_key";
export const PROCESS_HANDLE_KEY = "process-test-handle-key-of-32-chars-or-more";

/**
 * Starts a real server process (the server's main, or the CLI with `args`)
 * and resolves once its output matches `ready` (by default: it listens),
 * with the URL it printed, if any.
 */
export function startServer(
  env: Record<string, string>,
  options: { entry?: string; args?: string[]; ready?: RegExp } = {},
): Promise<{ url: string; child: ChildProcess }> {
  const { DATABASE_URL: _inherited, ...parent } = process.env;
  const child = spawn(process.execPath, [options.entry ?? SERVER_MAIN, ...(options.args ?? [])], {
    env: {
      ...parent,
      HOST: "127.0.0.1",
      PORT: "0",
      LEAKGUARD_DEMO: "0",
      LEAKGUARD_API_KEY_HASHES: createHash("sha256").update(PROCESS_KEY).digest("hex"),
      // api and worker processes are production: they start only with the secrets set.
      LEAKGUARD_HANDLE_KEY: PROCESS_HANDLE_KEY,
      LEAKGUARD_SECRET_KEY: "5e".repeat(32),
      LEAKGUARD_WEBHOOK_POLL_MS: "100",
      LEAKGUARD_WEBHOOK_LEASE_MS: "1000",
      // Test receivers listen on loopback, which production refuses.
      LEAKGUARD_WEBHOOK_ALLOW_PRIVATE: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const ready = options.ready ?? /Leakguard API on (http:\/\/[^\s]+)/;
  return new Promise((resolve, reject) => {
    let out = "";
    let errors = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const m = ready.exec(out);
      if (m !== null) resolve({ url: m[1] ?? "", child });
    });
    child.stderr?.on("data", (c: Buffer) => {
      errors += c.toString();
    });
    child.once("exit", (code) =>
      reject(new Error(`the server exited (${code}) before it was ready:\n${out}\n${errors}`)),
    );
  });
}
