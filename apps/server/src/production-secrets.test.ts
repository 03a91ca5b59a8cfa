import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SERVER_MAIN, startServer } from "./server-process.test-helper.js";

/**
 * The built server, started as production starts it: without its secrets in
 * the environment it refuses, naming the variable to set, instead of making
 * up a key for the run or keeping one in the database.
 */
describe.skipIf(!existsSync(SERVER_MAIN))("production takes its secrets only from the environment", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "leakguard-prod-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = (extra: Record<string, string>) => ({ LEAKGUARD_DATA_DIR: dataDir, ...extra });

  it("refuses to start an api process without LEAKGUARD_HANDLE_KEY", async () => {
    await expect(startServer(env({ LEAKGUARD_ROLE: "api", LEAKGUARD_HANDLE_KEY: "" }))).rejects.toThrow(
      /exited \(2\)[\s\S]*LEAKGUARD_HANDLE_KEY: required in production \(LEAKGUARD_ROLE=api\)/,
    );
  });

  it("refuses NODE_ENV=production without LEAKGUARD_API_KEY_HASHES, and a worker without the handle key", async () => {
    const refused = startServer(env({ NODE_ENV: "production", LEAKGUARD_API_KEY_HASHES: "" }));
    await expect(refused).rejects.toThrow(
      /LEAKGUARD_API_KEY_HASHES: required in production \(NODE_ENV=production\)/,
    );
    await expect(refused).rejects.not.toThrow(/LEAKGUARD_HANDLE_KEY/);
    await expect(
      startServer(env({ LEAKGUARD_ROLE: "worker", LEAKGUARD_HANDLE_KEY: "", LEAKGUARD_API_KEY_HASHES: "" })),
    ).rejects.toThrow(/missing secrets\n {2}LEAKGUARD_HANDLE_KEY[^\n]*\n*$/);
  });

  it("starts in production with both set, HSTS on by default; the embedded default needs neither", async () => {
    const prod = await startServer(env({ NODE_ENV: "production" }));
    try {
      const res = await fetch(`${prod.url}/healthz`);
      expect(res.status).toBe(200);
      expect(res.headers.get("strict-transport-security")).toContain("max-age=");
    } finally {
      prod.child.kill("SIGTERM");
      await new Promise((resolve) => prod.child.once("exit", resolve));
    }
    const embedded = await startServer(env({ LEAKGUARD_HANDLE_KEY: "", LEAKGUARD_API_KEY_HASHES: "" }), {
      ready: /platform API key for this run: (lg_dev_\S+)/,
    });
    try {
      expect(embedded.url).toMatch(/^lg_dev_/);
    } finally {
      embedded.child.kill("SIGTERM");
      await new Promise((resolve) => embedded.child.once("exit", resolve));
    }
  }, 60_000);
});
