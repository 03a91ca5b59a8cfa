import { accounts, type Currency, DEFAULT_CONFIG, inOffPlatformWindow } from "@leakguard/domain";
import { describe, expect, it } from "vitest";
import { engines, migratedDb } from "./engines.test-helper.js";
import { createHourlyContract } from "./hourly.js";
import { balanceOf } from "./ledger.js";
import { messagesOf, sendMessage } from "./messages.js";
import { createAccount, payConversionFee, relationshipFor, relationshipId } from "./people.js";
import { screened } from "./screening.test-helper.js";

const t0 = new Date("2026-03-02T09:00:00Z");

describe.each(engines)("accounts, pairs and messages on $name", ({ open }) => {
  const dbOf = migratedDb(open);

  it("creates accounts, refusing bad fields and duplicates with named codes", async () => {
    expect(
      await createAccount(dbOf(), "u_c1", {
        role: "client",
        displayName: "Ana",
        country: "BR",
        locale: "pt-BR",
      }),
    ).toMatchObject({
      ok: true,
    });
    expect(
      await createAccount(dbOf(), "u_c1", {
        role: "client",
        displayName: "Ana",
        country: "BR",
        locale: "pt-BR",
      }),
    ).toMatchObject({
      ok: false,
      code: "account_exists",
    });
    expect(
      await createAccount(dbOf(), "u_x", { role: "boss", displayName: "X", country: "BR", locale: "pt" }),
    ).toMatchObject({
      ok: false,
      code: "invalid_role",
    });
    expect(
      await createAccount(dbOf(), "u_y", {
        role: "client",
        displayName: "Y",
        country: "Brazil",
        locale: "pt",
      }),
    ).toMatchObject({
      ok: false,
      code: "invalid_country",
    });
  });

  it("creates the pair at first contact and keeps its first date", async () => {
    await createAccount(dbOf(), "u_c2", {
      role: "client",
      displayName: "Cli",
      country: "US",
      locale: "en-US",
    });
    await createAccount(dbOf(), "u_f2", {
      role: "freelancer",
      displayName: "Fre",
      country: "IN",
      locale: "en-IN",
    });
    const first = await sendMessage(
      dbOf(),
      { id: "msg_1", senderId: "u_c2", recipientId: "u_f2", text: "hi" },
      t0,
      screened("hi"),
    );
    const later = new Date(t0.getTime() + 86_400_000);
    await sendMessage(
      dbOf(),
      { id: "msg_2", senderId: "u_f2", recipientId: "u_c2", text: "hello" },
      later,
      screened("hello"),
    );
    expect(first).toMatchObject({ ok: true });
    const pair = await relationshipFor(dbOf(), "u_c2", "u_f2", later);
    expect(pair.ok && pair.value.identifiedAt.toISOString()).toBe(t0.toISOString());
    expect(pair.ok && inOffPlatformWindow(pair.value, later, DEFAULT_CONFIG)).toBe(true);
    const messages = await messagesOf(dbOf(), pair.ok ? pair.value.id : "");
    expect(messages.map((m) => m.text)).toEqual(["hi", "hello"]);
  });

  it("refuses pairs that are not a client and a freelancer", async () => {
    await createAccount(dbOf(), "u_c3", { role: "client", displayName: "C3", country: "US", locale: "en" });
    await createAccount(dbOf(), "u_c4", { role: "client", displayName: "C4", country: "US", locale: "en" });
    expect(
      await sendMessage(
        dbOf(),
        { id: "msg_3", senderId: "u_c3", recipientId: "u_c4", text: "hi" },
        t0,
        screened("hi"),
      ),
    ).toMatchObject({
      ok: false,
      code: "not_a_pair",
    });
    expect(await messagesOf(dbOf(), relationshipId("u_c3", "u_c4"))).toEqual([]);
  });
  it("gives two pairs whose joined ids would read alike two relationships", async () => {
    const person = (id: string, role: string) =>
      createAccount(dbOf(), id, { role, displayName: id, country: "US", locale: "en" });
    await person("x_y", "client");
    await person("z", "freelancer");
    await person("x", "client");
    await person("y_z", "freelancer");
    const a = await relationshipFor(dbOf(), "x_y", "z", t0);
    const b = await relationshipFor(dbOf(), "x", "y_z", t0);
    expect(a.ok && b.ok && a.value.id !== b.value.id).toBe(true);
    expect(a.ok && a.value.id.length).toBeLessThanOrEqual(64);
  });

  it("records the conversion fee once, and the pair may then pay outside", async () => {
    await createAccount(dbOf(), "u_c5", { role: "client", displayName: "C5", country: "US", locale: "en" });
    await createAccount(dbOf(), "u_f5", {
      role: "freelancer",
      displayName: "F5",
      country: "US",
      locale: "en",
    });
    const pair = await relationshipFor(dbOf(), "u_c5", "u_f5", t0);
    const id = pair.ok ? pair.value.id : "";
    const later = new Date(t0.getTime() + 30 * 86_400_000);
    await createHourlyContract(dbOf(), {
      id: "ct_conv",
      clientId: "u_c5",
      freelancerId: "u_f5",
      currency: "USD" as Currency,
      hourlyRate: 5_000n,
      weeklyLimitHours: 10,
    });
    expect(await payConversionFee(dbOf(), id, later)).toMatchObject({
      ok: true,
      value: { feeMinor: 1_404_000n, alreadyPaid: false },
    });
    // Paid again later, when a higher rate would price it differently: the fee that was paid.
    expect(await payConversionFee(dbOf(), id, new Date(later.getTime() + 86_400_000))).toMatchObject({
      ok: true,
      value: { feeMinor: 1_404_000n, paidAt: later, alreadyPaid: true },
    });
    expect(await balanceOf(dbOf(), accounts.fees("USD" as Currency))).toBe(1_404_000n);
    const after = await relationshipFor(dbOf(), "u_c5", "u_f5", later);
    expect(after.ok && inOffPlatformWindow(after.value, later, DEFAULT_CONFIG)).toBe(false);
  });
});
