import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTests, type DemoHarness, screenshot, signInAs, startDemo } from "./browser.test-helper.js";

/** The case page with and without the read_originals scope, on the demo data (the agent holds it, the admin not). */
describe.skipIf(!browserTests)("the console shows originals only to staff with the scope", () => {
  let demo: DemoHarness;
  let browser: Browser;
  let base = "";
  beforeAll(async () => {
    demo = await startDemo();
    ({ browser, base } = demo);
  }, 120_000);
  afterAll(async () => demo?.close());

  const PHONE = "+1 415 555 0142";

  it("the demo agent reads the held message's original with its spans; the demo admin reads it with details hidden", async () => {
    const agent = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInAs(agent, base, "/console/", "agt_tess");
    await agent.getByRole("link", { name: "cli_ana" }).click();
    await agent.getByRole("heading", { name: /Case about cli_ana/ }).waitFor();
    await expect.poll(() => agent.locator("mark").count()).toBeGreaterThan(0);
    expect(await agent.getByRole("table").first().textContent()).toContain(PHONE);
    await agent.close();

    const admin = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInAs(admin, base, "/console/", "adm_root");
    await admin.getByRole("link", { name: "cli_ana" }).click();
    await admin.getByRole("heading", { name: /Case about cli_ana/ }).waitFor();
    await admin.getByText("Original hidden: you lack the scope to read originals").first().waitFor();
    expect(await admin.locator("body").textContent()).not.toContain(PHONE);
    // The engine reads the number after "PayPal" as the PayPal handle: its span shows as that kind, hidden.
    expect(await admin.locator("body").textContent()).toContain("Text me at [paypal hidden]");
    // The agent's view is in the subject's timeline.
    await admin.getByText("original.viewed by agt_tess").waitFor();
    await screenshot(admin, "console-case-original-hidden");
    await admin.close();
  });
});
