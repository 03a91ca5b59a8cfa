import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { browserTests, launchChromium } from "../../../server/src/browser.test-helper.js";
import { runBacktestCommand } from "./command.js";

const ROOT = join(import.meta.dirname, "..", "..", "..", "..");
const SHOTS = join(ROOT, "reports", "screenshots");

describe.skipIf(!browserTests)("the backtest's HTML report in Chromium", () => {
  const dir = mkdtempSync(join(tmpdir(), "leakguard-report-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("opens from a file with no network, and shows its charts and examples", async () => {
    const strict = join(dir, "strict.yaml");
    writeFileSync(strict, "version: strict-report\nrules:\n  C1:\n    pre_contract: hold\n");
    const out = join(dir, "dev-report.html");
    await runBacktestCommand({
      input: join(ROOT, "corpus", "dev", "messages.jsonl"),
      compare: strict,
      labels: join(ROOT, "corpus", "dev", "messages.jsonl"),
      out,
      stage: "pre_contract",
      maxConversations: 100_000,
      idleDays: 30,
      reorderWindow: 2_000,
      progress: false,
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(out).toString());
      expect(await page.locator("svg").count()).toBeGreaterThanOrEqual(3);
      expect(await page.locator("h1").first().innerText()).toMatch(/backtest/i);
      expect(await page.content()).toContain("strict.yaml");
      // Self-contained: the page asked for nothing but itself.
      expect(requests.filter((u) => !u.startsWith("file:"))).toEqual([]);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, "backtest-report-dev.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 120_000);
});
