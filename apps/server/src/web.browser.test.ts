import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTests, type DemoHarness, screenshot, signInAs, startDemo } from "./browser.test-helper.js";

/** The front ends in a real browser against the real server on loopback, on the demo data. */
describe.skipIf(!browserTests)("the console and the demo marketplace in Chromium", () => {
  let demo: DemoHarness;
  let browser: Browser;
  let base = "";
  beforeAll(async () => {
    demo = await startDemo();
    ({ browser, base } = demo);
  }, 120_000);
  afterAll(async () => demo?.close());

  const signIn = (page: Page, path: "/app/" | "/console/", accountId: string) =>
    signInAs(page, base, path, accountId);
  const shot = screenshot;

  it("shows a freelancer the policy reminder as they type a phone number, before anything is sent", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(page, "/app/", "fre_omar");
    await page.goto(`${base}/app/#/conversations/new:cli_ana`);
    await page
      .getByRole("heading", { name: "Conversation with cli_ana" })
      .waitFor({ timeout: 10_000 })
      .catch(async (e: unknown) => {
        await shot(page, "debug-conversation");
        throw e;
      });
    const reminder = page.getByTestId("live-reminder");
    const box = page.getByRole("textbox", { name: /^Message/ });
    await box.fill("Happy to help with the landing page!");
    await page.waitForTimeout(400);
    expect(await reminder.innerText()).toBe("");
    const top = () =>
      page.evaluate(
        "(() => { const r = document.querySelector('[data-testid=live-reminder]').getBoundingClientRect(); return r.top + window.scrollY; })()",
      );
    const below = () =>
      page.evaluate(
        "(() => { const r = document.querySelector('form[aria-label=\"Write a message\"] button').getBoundingClientRect(); return r.top + window.scrollY; })()",
      );
    const before = [await top(), await below()];
    await box.fill("Happy to help, call me on +44 7700 900123 and we can talk details");
    await expect.poll(() => reminder.innerText(), { timeout: 5_000 }).toMatch(/contact details/i);
    // The reminder's box kept its place, and so did the button below it: no layout shift as it appeared.
    expect([await top(), await below()]).toEqual(before);
    await shot(page, "app-live-reminder-390");
    // Nothing was sent while typing.
    // (page.request shares the page's cookies: this is the session the page signed in with.)
    const res = await page.request.get(`${base}/v1/accounts/fre_omar/relationships`);
    expect((await res.json()) as { relationships: unknown[] }).toMatchObject({ relationships: [] });
    await page.close();
  });

  it("holds a client's request to pay outside; the agent asks, the client answers in the app, the agent warns", async () => {
    const client = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(client, "/app/", "cli_ben");
    await client.goto(`${base}/app/#/conversations/new:fre_omar`);
    await client
      .getByRole("textbox", { name: /^Message/ })
      .fill("Let's skip the platform fees, I'll pay you directly via PayPal.");
    await client.getByRole("button", { name: "Send" }).click();
    await client.getByText("under review by our trust & safety team").first().waitFor();
    await shot(client, "app-held-message");

    const agent = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(agent, "/console/", "agt_tess");
    await agent.getByRole("link", { name: "cli_ben" }).click();
    await agent.getByRole("heading", { name: /Case about cli_ben/ }).waitFor();
    await expect.poll(() => agent.locator("mark").count()).toBeGreaterThan(0);
    await agent.getByRole("combobox", { name: /^Action/ }).selectOption("clarify");
    await agent.getByRole("textbox", { name: /^Reason/ }).fill("held request to pay via PayPal");
    await agent.getByRole("button", { name: "Record action" }).click();
    await agent.getByText("clarify recorded").waitFor();
    await shot(agent, "console-case-clarify");

    await client.goto(`${base}/app/#/notices`);
    await client.getByText("A question from our trust & safety team").waitFor();
    await client.getByLabel("Your answer").fill("Sorry, I did not know the rule. We will pay here.");
    await client.getByRole("button", { name: "Send answer" }).click();
    await client.getByText("You answered").waitFor();
    await shot(client, "app-clarification-answered");

    await agent.reload();
    await agent.getByText("answered: “Sorry, I did not know the rule. We will pay here.”").waitFor();
    await agent.getByRole("combobox", { name: /^Action/ }).selectOption("warn");
    await agent.getByRole("textbox", { name: /^Reason/ }).fill("asked to pay outside; answered, first time");
    await agent.getByRole("button", { name: "Record action" }).click();
    await agent.getByText("warn recorded").waitFor();
    await shot(agent, "console-case-warned");

    await client.goto(`${base}/app/#/notices`);
    await client.reload();
    await client.getByText("You have been warned").waitFor();
    await client.close();
    await agent.close();
  });

  it("lets a client fund and approve a milestone, and both sides' balances change", async () => {
    const client = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(client, "/app/", "cli_ana");
    await client.goto(`${base}/app/#/contracts`);
    const escrow = client.getByTestId("escrow-USD");
    await escrow.waitFor();
    const before = await escrow.innerText();
    await client.getByRole("button", { name: "Fund: ms_demo_menu" }).click();
    await client.getByText("Done: fund.").waitFor();
    await expect.poll(() => escrow.innerText()).not.toBe(before);
    const funded = await escrow.innerText();
    // 2,500.00 more in escrow than before.
    expect(Number(funded.replace(/[^0-9.]/g, "")) - Number(before.replace(/[^0-9.]/g, ""))).toBe(2500);
    await client.getByRole("button", { name: "Approve and release: ms_demo_menu" }).click();
    await client.getByText("Done: approve.").waitFor();
    await expect.poll(() => escrow.innerText()).toBe(before);
    await shot(client, "app-contracts-approved");

    const freelancer = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(freelancer, "/app/", "fre_maya");
    await freelancer.goto(`${base}/app/#/contracts`);
    // Released less the 10% fee, pending for 5 days before it is available.
    await expect.poll(() => freelancer.getByTestId("pending-USD").innerText()).toMatch(/2,250\.00/);
    await shot(freelancer, "app-contracts-freelancer-390");
    await client.close();
    await freelancer.close();
  });

  it("lists the queue with counts and lets an agent claim and release from it", async () => {
    const agent = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(agent, "/console/", "agt_tess");
    await agent.getByRole("heading", { name: "Case queue" }).waitFor();
    await expect
      .poll(async () => Number(await agent.getByTestId("count-open").innerText()))
      .toBeGreaterThan(0);
    const claim = agent.getByRole("button", { name: "Claim" }).first();
    await claim.click();
    await agent.getByRole("button", { name: "Release" }).first().waitFor();
    // Keyboard: the release button is reachable and works with Enter.
    await agent.getByRole("button", { name: "Release" }).first().focus();
    await agent.keyboard.press("Enter");
    await agent.getByRole("button", { name: "Claim" }).first().waitFor();
    await shot(agent, "console-queue");
    await agent.close();
  });

  it("ran under the Content-Security-Policy with nothing blocked", () => {
    expect(demo.cspViolations).toEqual([]);
  });
});
