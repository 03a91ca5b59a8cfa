import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { migrate, openDb } from "@leakguard/store";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { DEMO_PASSWORD, seedDemo } from "./seed.js";
import { DEFAULT_WEB_DIR } from "./web.js";

/**
 * The console's dashboard, policy page and queue filters in a real browser
 * (Debian's Chromium through playwright-core) against the real server on
 * loopback, on the demo data. Same rules as web.browser.test.ts: skipped with
 * a note without Chromium, a failure when LEAKGUARD_BROWSER_TESTS=1 (CI).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const required = process.env.LEAKGUARD_BROWSER_TESTS === "1";
const available = existsSync(CHROMIUM);
if (!available && !required)
  console.warn(
    `browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
const SHOTS = join(import.meta.dirname, "..", "..", "..", "reports", "screenshots");

describe.skipIf(!available && !required)("the console's dashboard and policy page in Chromium", () => {
  let app: FastifyInstance;
  let browser: Browser;
  let base = "";
  const db = openDb({ engine: "pglite" });

  beforeAll(async () => {
    expect(existsSync(join(DEFAULT_WEB_DIR, "console", "index.html")), "run npm run build first").toBe(true);
    mkdirSync(SHOTS, { recursive: true });
    const d = await db;
    await migrate(d);
    await seedDemo(d, new Date());
    app = await buildApp({ db: d, apiKeyHashes: [] });
    base = await app.listen({ host: "127.0.0.1", port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await (await db).close();
  });

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${base}/console/`);
    await page.getByLabel("Account id").fill("agt_tess");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
  }
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it("opens the dashboard from the nav and draws its charts, each with a title and a data table", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Dashboard" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    const charts = page.getByTestId("chart");
    await expect.poll(() => charts.count(), { timeout: 10_000 }).toBe(6);
    // The demo's messages were sent today: the scanned total counts them, and the bars are drawn.
    await expect
      .poll(async () => Number(await page.getByTestId("total-scanned").textContent()))
      .toBeGreaterThan(0);
    await page.getByRole("img", { name: /Messages scanned per day, by verdict/ }).waitFor();
    expect(await page.locator("figure.chart svg rect").count()).toBeGreaterThan(0);
    // Each chart's figures are also in a table for screen readers.
    expect(await page.locator("figure.chart .sr-only table").count()).toBe(6);
    expect(await page.locator("figure.chart svg title").first().textContent()).toBe(
      "Messages scanned per day, by verdict",
    );
    await shot(page, "console-dashboard");
    await page.getByRole("combobox", { name: /^Period/ }).selectOption("7");
    await expect
      .poll(() => page.locator("figure.chart").first().locator(".sr-only table tbody tr").count())
      .toBe(7);
    await page.close();
  });

  it("shows the policy and judges a typed phone number in the browser, with the span highlighted", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const engineRequests: string[] = [];
    page.on("request", (r) => {
      if (/\/assets\/.+\.js$/.test(r.url())) engineRequests.push(r.url());
    });
    await signIn(page);
    const firstLoad = engineRequests.length;
    await page.goto(`${base}/console/#/policy`);
    await page.getByRole("heading", { name: "Policy" }).waitFor();
    expect(await page.getByTestId("policy-version").textContent()).toBe("default-2026-11");
    await page
      .getByRole("cell", { name: /direct contact details/ })
      .first()
      .waitFor();
    // The engine is a chunk of its own, fetched only now.
    await expect.poll(() => engineRequests.length).toBeGreaterThan(firstLoad);
    await page.getByRole("combobox", { name: /^Stage/ }).selectOption("pre_contract");
    await page.getByRole("textbox", { name: "Message to try" }).fill("call me on +44 7911 123456 tonight");
    await expect.poll(() => page.getByTestId("try-verdict").textContent(), { timeout: 10_000 }).toBe("mask");
    // The number is marked (C1), and so is the proposal to move to the phone (C2, "call me").
    const marks = page.getByTestId("try-result").locator("p mark");
    expect(await marks.allTextContents()).toContain("+44 7911 123456");
    await shot(page, "console-policy-try");
    // During a contract the same number is allowed (still found and marked).
    await page.getByRole("combobox", { name: /^Stage/ }).selectOption("contract_active");
    await expect.poll(() => page.getByTestId("try-verdict").textContent()).toBe("allow");
    await page.close();
  });

  it("filters the queue by risk and by why a case was opened", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    await page.getByRole("heading", { name: "Case queue" }).waitFor();
    const rows = page.locator("tbody tr");
    await expect.poll(() => page.getByRole("link", { name: "cli_ana" }).count()).toBe(1);
    await page.getByLabel("Why opened").selectOption("report");
    await expect.poll(() => page.getByText("No cases here.").count()).toBe(1);
    await page.getByLabel("Why opened").selectOption("held_message");
    await expect.poll(() => page.getByRole("link", { name: "cli_ana" }).count()).toBe(1);
    await page.getByLabel("Risk at least").selectOption("80");
    await expect.poll(async () => (await rows.allTextContents()).join(" ")).not.toContain("cli_ana");
    await shot(page, "console-queue-filters");
    await page.close();
  });
});
