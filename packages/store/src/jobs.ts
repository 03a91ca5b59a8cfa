import { DEFAULT_CONFIG, type MarketplaceConfig } from "@leakguard/domain";
import type { Db } from "./db.js";
import { makeAvailable } from "./ledger.js";
import { actOnMilestone, dueMilestones } from "./milestones.js";

export interface DueJobsReport {
  /** Milestones the clock changed (auto-released, refunded, dispute defaults). */
  milestones: number;
  /** Releases moved from pending to available. */
  madeAvailable: number;
  /** Milestones that were due but another worker got to first, or that failed: left for the next run. */
  skipped: number;
}

/**
 * Everything the clock owes at `now`, each step safe to run twice or on two
 * workers at once: a milestone is ticked under its row lock (a second tick
 * finds it closed), and each release is made available once by its derived
 * transfer id.
 */
export async function runDueJobs(
  db: Db,
  now: Date,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<DueJobsReport> {
  let milestones = 0;
  let skipped = 0;
  for (const id of await dueMilestones(db, now)) {
    const r = await actOnMilestone(db, id, { type: "tick", by: "system" }, now, undefined, config);
    if (r.ok) milestones++;
    else skipped++;
  }
  const available = await makeAvailable(db, now, config.pendingDays);
  return { milestones, madeAvailable: available.ok ? available.value.moved : 0, skipped };
}
