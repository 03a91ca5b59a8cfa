import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

// Runs the built command (npm test builds first), as a user would.
const run = promisify(execFile);
const main = new URL("../dist/main.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "leakguard-migrate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("leakguard migrate", () => {
  it("applies the migrations to the embedded database once", async () => {
    const env = { ...process.env, LEAKGUARD_DATA_DIR: join(dir, "data"), DATABASE_URL: "" };
    const first = await run(process.execPath, [main, "migrate"], { env });
    expect(first.stdout).toMatch(/applied \d+ migration/);
    const again = await run(process.execPath, [main, "migrate"], { env });
    expect(again.stdout).toContain("up to date");
  });

  it("names a bad setting and exits 2, touching nothing", async () => {
    const failed = await run(process.execPath, [main, "migrate"], {
      env: { ...process.env, DATABASE_URL: "mysql://nope" },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain("DATABASE_URL must start with postgres://");
  });
});
