import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTests, type DemoHarness, screenshot, signInAs, startDemo } from "./browser.test-helper.js";

/** The console's dashboard, policy page and queue filters in a real browser against the real server on loopback, on the demo data. */
describe.skipIf(!browserTests)("the console's dashboard and policy page in Chromium", () => {
  let demo: DemoHarness;
  let browser: Browser;
  let base = "";
  beforeAll(async () => {
    demo = await startDemo();
    ({ browser, base } = demo);
  }, 120_000);
  afterAll(async () => demo?.close());

  const signIn = (page: Page) => signInAs(page, base, "/console/", "agt_tess");
  const shot = screenshot;

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

  it("keeps the session in an HttpOnly cookie the page's scripts cannot read; signing out clears it", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    const cookie = (await page.context().cookies()).find((c) => c.name === "lg_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/", secure: false });
    expect(await page.evaluate("document.cookie")).not.toContain("lg_session");
    const stored = String(await page.evaluate("sessionStorage.getItem('leakguard.console.session')"));
    expect(stored).not.toContain(cookie?.value ?? "lgs_");
    expect(stored).not.toContain("lgs_");
    const kept = JSON.parse(stored) as { accountId: string; csrfToken: string };
    expect(kept.accountId).toBe("agt_tess");
    expect(kept.csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // A write by cookie without the CSRF token is refused, as another site's forged request would be.
    const forged = await page.request.post(`${base}/v1/messages`, {
      data: { recipientId: "cli_ana", text: "hi" },
    });
    expect(forged.status()).toBe(403);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("csrf_token_invalid");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect((await page.context().cookies()).find((c) => c.name === "lg_session")).toBeUndefined();
    await page.close();
  });

  it("ran under the Content-Security-Policy with nothing blocked", () => {
    expect(demo.cspViolations).toEqual([]);
  });
});
