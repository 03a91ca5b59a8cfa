import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DEFAULT_WEB_DIR } from "./web.js";

/** The JavaScript a page loads first (its module script and the modules it preloads), gzipped, in bytes. */
export function firstLoadGzipBytes(page: "console" | "app"): { bytes: number; files: string[] } {
  const html = readFileSync(join(DEFAULT_WEB_DIR, page, "index.html"), "utf8");
  const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1] ?? "");
  const bytes = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(DEFAULT_WEB_DIR, f))).length, 0);
  return { bytes, files };
}

describe("the front ends' weight", () => {
  it("keeps the console's first load under 300 KB of JavaScript gzipped", () => {
    expect(existsSync(join(DEFAULT_WEB_DIR, "console", "index.html")), "run npm run build first").toBe(true);
    const consolePage = firstLoadGzipBytes("console");
    const appPage = firstLoadGzipBytes("app");
    console.log(
      `first load, JavaScript gzipped: console ${(consolePage.bytes / 1024).toFixed(1)} KiB (${consolePage.files.length} files), demo marketplace ${(appPage.bytes / 1024).toFixed(1)} KiB (${appPage.files.length} files)`,
    );
    expect(consolePage.files.length).toBeGreaterThan(0);
    expect(consolePage.bytes).toBeLessThan(300 * 1024);
  });
});
