import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  accounts,
  type Currency,
  DEFAULT_CONFIG,
  type Milestone,
  minor,
  stepMilestone,
  type Transfer,
} from "@leakguard/domain";
import { beforeEach, describe, expect, it } from "vitest";
import { engines, migratedDb } from "./engines.test-helper.js";
import { balanceOf, ledgerTotals, postTransfers } from "./ledger.js";
import { MIGRATIONS_DIR, migrate } from "./migrate.js";
import { balancesOf } from "./people.js";

const USD = "USD" as Currency;
const t0 = new Date("2026-03-02T09:00:00Z");

describe.each(engines)("ledger on $name", ({ open }) => {
  const dbOf = migratedDb(open);
  beforeEach(async () => {
    // TRUNCATE fires no row trigger: the append-only rule holds for every statement a caller can send.
    await dbOf().exec("TRUNCATE ledger_transfers, ledger_accounts, idempotency_keys");
  });

  const milestone = (id: string): Milestone => ({
    id,
    clientId: "u_client",
    freelancerId: "u_free",
    amount: minor(100_000n),
    currency: USD,
    status: "unfunded",
  });

  function step(
    m: Milestone,
    action: Parameters<typeof stepMilestone>[1],
  ): { m: Milestone; transfers: Transfer[] } {
    const r = stepMilestone(m, action, t0, DEFAULT_CONFIG);
    if (!r.ok) throw new Error(r.code);
    return { m: r.value.milestone, transfers: r.value.transfers };
  }

  it("applies the migrations once", async () => {
    expect(await migrate(dbOf())).toEqual([]);
  });

  it("funds and releases a milestone, and the books balance", async () => {
    const funded = step(milestone("ms_a"), { type: "fund", by: "client" });
    expect(await postTransfers(dbOf(), funded.transfers)).toMatchObject({ ok: true });
    const released = step(funded.m, { type: "approve", by: "client" });
    expect(await postTransfers(dbOf(), released.transfers)).toMatchObject({ ok: true, value: { posted: 2 } });
    expect(await balanceOf(dbOf(), accounts.pending("u_free", USD))).toBe(90_000n);
    expect(await balanceOf(dbOf(), accounts.fees(USD))).toBe(10_000n);
    expect(await balanceOf(dbOf(), accounts.escrow("ms_a"))).toBe(0n);
    expect((await ledgerTotals(dbOf())).balances).toBe(0n);
  });

  it("treats a replayed batch as done and refuses a half-written one", async () => {
    const funded = step(milestone("ms_b"), { type: "fund", by: "client" });
    await postTransfers(dbOf(), funded.transfers);
    expect(await postTransfers(dbOf(), funded.transfers)).toMatchObject({
      ok: true,
      value: { already: true },
    });
    const extra: Transfer = { ...(funded.transfers[0] as Transfer), id: "ms_b:other" };
    expect(await postTransfers(dbOf(), [...funded.transfers, extra])).toMatchObject({
      ok: false,
      code: "transfer_conflict",
    });
    expect((await ledgerTotals(dbOf())).transfers).toBe(1);
  });

  it("writes nothing when a batch would overdraw an account", async () => {
    const release = step(step(milestone("ms_c"), { type: "fund", by: "client" }).m, {
      type: "approve",
      by: "client",
    });
    expect(await postTransfers(dbOf(), release.transfers)).toMatchObject({
      ok: false,
      code: "insufficient_funds",
    });
    expect(await ledgerTotals(dbOf())).toMatchObject({ transfers: 0, balances: 0n });
  });

  it("refuses to change or delete a ledger row", async () => {
    await postTransfers(dbOf(), step(milestone("ms_d"), { type: "fund", by: "client" }).transfers);
    await expect(dbOf().query("UPDATE ledger_transfers SET amount = 1")).rejects.toThrow(/append-only/);
    await expect(dbOf().query("DELETE FROM ledger_transfers")).rejects.toThrow(/append-only/);
  });

  it("releases once when the same approval arrives 20 times at once", async () => {
    const funded = step(milestone("ms_e"), { type: "fund", by: "client" });
    await postTransfers(dbOf(), funded.transfers);
    const release = step(funded.m, { type: "approve", by: "client" });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => postTransfers(dbOf(), release.transfers)),
    );
    expect(results.filter((r) => r.ok && r.value.posted > 0)).toHaveLength(1);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await balanceOf(dbOf(), accounts.pending("u_free", USD))).toBe(90_000n);
    expect((await ledgerTotals(dbOf())).balances).toBe(0n);
  });
});

describe.each(engines)("per-currency user accounts on $name", ({ open }) => {
  it("moves the money of accounts of the earlier form by appended transfers", async () => {
    const { db, drop } = await open();
    try {
      // The database as it was before the change: every migration up to it.
      const before = mkdtempSync(join(tmpdir(), "leakguard-migrations-"));
      for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => f < "20261126T2100"))
        copyFileSync(join(MIGRATIONS_DIR, f), join(before, f));
      await migrate(db, before);
      await db.exec(`INSERT INTO ledger_accounts (id, currency, balance) VALUES
        ('world:EUR', 'EUR', -7000), ('pending:fre_a', 'EUR', 5000), ('available:fre_a', 'EUR', 2000)`);
      await db.exec(`INSERT INTO ledger_transfers (id, debit, credit, amount, currency) VALUES
        ('old:1', 'world:EUR', 'pending:fre_a', 5000, 'EUR'), ('old:2', 'world:EUR', 'available:fre_a', 2000, 'EUR')`);
      await migrate(db);
      const EUR = "EUR" as Currency;
      expect(await balanceOf(db, accounts.pending("fre_a", EUR))).toBe(5000n);
      expect(await balanceOf(db, accounts.available("fre_a", EUR))).toBe(2000n);
      expect(await balanceOf(db, "pending:fre_a" as ReturnType<typeof accounts.world>)).toBe(0n);
      expect(await ledgerTotals(db)).toMatchObject({ balances: 0n, transfers: 4 });
      expect(await balancesOf(db, "fre_a")).toEqual([
        { currency: "EUR", inEscrow: 0n, pending: 5000n, available: 2000n },
      ]);
    } finally {
      await drop();
    }
  });
});
