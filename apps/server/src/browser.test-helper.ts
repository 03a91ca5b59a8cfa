import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { migrate, openDb } from "@leakguard/store";
import { type Browser, chromium, type Page } from "playwright-core";
import { buildApp } from "./app.js";
import { DEMO_PASSWORD, seedDemo } from "./seed.js";
import { DEFAULT_WEB_DIR } from "./web.js";

/**
 * Debian's Chromium for browser tests. CI installs it and sets
 * LEAKGUARD_BROWSER_TESTS=1, so there a missing browser fails; elsewhere the
 * tests are skipped with a note.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const required = process.env.LEAKGUARD_BROWSER_TESTS === "1";
export const browserTests = existsSync(CHROMIUM) || required;
if (!browserTests)
  console.warn(
    `browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/** The real server on loopback over a fresh embedded database with the demo data, and Chromium to drive it. */
export interface DemoHarness {
  base: string;
  browser: Browser;
  /** What the pages' Content-Security-Policy blocked, as Chromium reported it (should stay empty). */
  cspViolations: string[];
  close: () => Promise<void>;
}

export async function startDemo(): Promise<DemoHarness> {
  if (!existsSync(join(DEFAULT_WEB_DIR, "console", "index.html")))
    throw new Error("the web front ends are not built: run npm run build first (npm test does)");
  mkdirSync(SCREENSHOTS, { recursive: true });
  const db = await openDb({ engine: "pglite" });
  await migrate(db);
  await seedDemo(db, new Date());
  const app = await buildApp({ db, apiKeyHashes: [] });
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  const browser = await launchChromium();
  // Every page opened through the harness reports what the CSP blocked, so a test can show it blocked nothing.
  const cspViolations: string[] = [];
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (options) => {
    const page = await newPage(options);
    page.on("console", (m) => {
      if (m.text().includes("Content Security Policy")) cspViolations.push(`${page.url()}: ${m.text()}`);
    });
    return page;
  };
  return {
    base,
    browser,
    cspViolations,
    close: async () => {
      await browser.close();
      await app.close();
      await db.close();
    },
  };
}

/** Where browser tests save their screenshots (CI keeps them as artifacts). */
export const SCREENSHOTS = new URL("../../../reports/screenshots/", import.meta.url).pathname;

/** Signs in on a page of ours as a demo account. */
export async function signInAs(
  page: Page,
  base: string,
  path: "/app/" | "/console/",
  accountId: string,
): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.getByLabel("Account id").fill(accountId);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

export const screenshot = (page: Page, name: string): Promise<Buffer> =>
  page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
