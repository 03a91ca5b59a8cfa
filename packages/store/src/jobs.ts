import { DEFAULT_CONFIG, type MarketplaceConfig } from "@leakguard/domain";
import { recordHourlyTimeStopped, recordSilencesAfterContactExchange } from "./activity-signals.js";
import type { Db } from "./db.js";
import { lapseClarifications } from "./enforcement.js";
import { issueWeeklyInvoices, lapseInvoiceDisputes, settleUndisputedInvoices } from "./invoices.js";
import { makeAvailable } from "./ledger.js";
import { actOnMilestone, dueMilestones } from "./milestones.js";
import { eraseOriginals } from "./originals.js";
import { pruneRateLimits } from "./rate-limits.js";

export interface DueJobsReport {
  /** Milestones the clock changed (auto-released, refunded, dispute defaults). */
  milestones: number;
  /** Weekly invoices issued (and charged). */
  invoicesIssued: number;
  /** Invoice disputes the freelancer left unanswered, lapsed and settled. */
  invoiceDisputesLapsed: number;
  /** Invoices paid out after their dispute window closed undisputed. */
  invoicesSettled: number;
  /** Releases moved from pending to available. */
  madeAvailable: number;
  /** Clarification requests left unanswered past their deadline: default outcome applied, case reopened. */
  clarificationsLapsed: number;
  /** Activity signals recorded: pairs silent after a contact exchange, hourly time stopped while talking. */
  signalsRecorded: number;
  /** Message originals erased by retention (older than `retention.originalDays`). */
  originalsErased: number;
  /** Milestones that were due but another worker got to first, or that failed: left for the next run. */
  skipped: number;
  /** What failed, by job; each job runs whatever another one did, and the next run tries again. */
  errors: { job: string; message: string }[];
}

/**
 * Everything the clock owes at `now`, each step safe to run twice or on two
 * workers at once: a milestone or an invoice is changed under its row lock
 * (a second run finds it done), an invoice is issued once by its key, and
 * each release is made available once by its derived transfer id. Invoices
 * are settled before pending money is looked at, so what they release starts
 * its pending period at once. Signals read from activity come last, each
 * recorded once under its pair's row lock. Retention erases originals last
 * (rows taken with SKIP LOCKED, each written once).
 */
export async function runDueJobs(
  db: Db,
  now: Date,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<DueJobsReport> {
  const errors: DueJobsReport["errors"] = [];
  const run = async (job: string, step: () => Promise<number>): Promise<number> => {
    try {
      return await step();
    } catch (error) {
      const inner = error instanceof AggregateError ? error.errors : [error];
      for (const e of inner) errors.push({ job, message: e instanceof Error ? e.message : String(e) });
      return 0;
    }
  };
  let skipped = 0;
  const milestones = await run("milestones", async () => {
    let ticked = 0;
    for (const id of await dueMilestones(db, now)) {
      const r = await actOnMilestone(db, id, { type: "tick", by: "system" }, now, undefined, config);
      if (r.ok) ticked++;
      else skipped++;
    }
    return ticked;
  });
  const invoicesIssued = await run(
    "issue invoices",
    async () => (await issueWeeklyInvoices(db, now, config)).length,
  );
  const invoiceDisputesLapsed = await run("lapse invoice disputes", () =>
    lapseInvoiceDisputes(db, now, config),
  );
  const invoicesSettled = await run("settle invoices", () => settleUndisputedInvoices(db, now, config));
  const madeAvailable = await run("make available", async () => {
    const r = await makeAvailable(db, now, config.pendingDays);
    if (!r.ok) throw new Error(r.message);
    return r.value.moved;
  });
  const clarificationsLapsed = await run("lapse clarifications", () => lapseClarifications(db, now, config));
  const signalsRecorded =
    (await run("silence after contact exchange", () =>
      recordSilencesAfterContactExchange(db, now, undefined, config.trust.signals),
    )) + (await run("hourly time stopped", () => recordHourlyTimeStopped(db, now, config)));
  const originalDays = config.retention.originalDays;
  const originalsErased =
    originalDays === null
      ? 0
      : await run(
          "erase originals",
          async () =>
            (await eraseOriginals(db, new Date(now.getTime() - originalDays * 86_400_000), now)).erased,
        );
  // Rate-limit windows that have ended count nothing any more; dropping them keeps the table small.
  await run("prune rate limits", () => pruneRateLimits(db, now));
  return {
    milestones,
    invoicesIssued,
    invoiceDisputesLapsed,
    invoicesSettled,
    madeAvailable,
    clarificationsLapsed,
    signalsRecorded,
    originalsErased,
    skipped,
    errors,
  };
}
