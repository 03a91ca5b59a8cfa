import type { MarketplaceConfig } from "./config.js";
import { type Minor, minor } from "./money.js";
import { addDays, weekStart } from "./time.js";

/** One logged segment of an hourly contract (segmentMinutes long, aligned to it). */
export interface TimeSegment {
  start: Date;
  /** Logged by the time tracker (true) or entered by hand (false). */
  tracked: boolean;
  memo: string;
  /** Keyboard and mouse activity in the segment, 0-100. */
  activity: number;
}

/** Why a segment is not covered by Hourly Protection. */
export type UnprotectedReason = "manual_time" | "no_memo" | "no_activity" | "over_weekly_limit";

export interface WeeklyInvoice {
  weekStart: Date;
  /** When the invoice is issued: the Monday after the week, at the configured hour (UTC). */
  issuedAt: Date;
  /** The client may dispute until the Friday after issue, 23:59:59.999 UTC. */
  disputeUntil: Date;
  billedSegments: number;
  billedMinor: Minor;
  protectedMinor: Minor;
  /** Billed segments outside protection, by reason (a segment counts under its first reason), and the time over the limit. */
  unprotected: Record<UnprotectedReason, { segments: number; amountMinor: Minor }>;
}

/**
 * The invoice for one billing week (Monday 00:00 to Sunday 23:59 UTC). Segments
 * past the weekly limit are not billed; of the billed ones, only tracked
 * segments with a memo and some activity are protected.
 */
export function weeklyInvoice(
  segments: readonly TimeSegment[],
  week: Date,
  hourlyRateMinor: Minor,
  weeklyLimitHours: number,
  config: MarketplaceConfig,
  /** When it is actually issued, if later than scheduled (the clock was down): the dispute window runs from then. */
  issuedLate?: Date,
): WeeklyInvoice {
  const start = weekStart(week);
  const end = addDays(start, 7);
  const inWeek = segments
    .filter((s) => s.start >= start && s.start < end)
    .sort((a, b) => a.start.getTime() - b.start.getTime());
  const perHour = Math.floor(60 / config.hourly.segmentMinutes);
  const limit = Math.max(0, Math.floor(weeklyLimitHours * perHour));
  const billed = inWeek.slice(0, limit);
  const over = inWeek.length - billed.length;
  const counts: Record<UnprotectedReason, number> = {
    manual_time: 0,
    no_memo: 0,
    no_activity: 0,
    over_weekly_limit: over,
  };
  let protectedSegments = 0;
  for (const s of billed) {
    const reason = unprotectedReason(s);
    if (reason === null) protectedSegments++;
    else counts[reason]++;
  }
  const amountOf = (n: number): Minor => segmentsAmount(n, hourlyRateMinor, config);
  const scheduled = new Date(end.getTime() + config.hourly.invoiceHourUtc * 3_600_000);
  const issuedAt = issuedLate !== undefined && issuedLate > scheduled ? issuedLate : scheduled;
  return {
    weekStart: start,
    issuedAt,
    disputeUntil: disputeDeadline(issuedAt),
    billedSegments: billed.length,
    billedMinor: amountOf(billed.length),
    protectedMinor: amountOf(protectedSegments),
    unprotected: {
      manual_time: { segments: counts.manual_time, amountMinor: amountOf(counts.manual_time) },
      no_memo: { segments: counts.no_memo, amountMinor: amountOf(counts.no_memo) },
      no_activity: { segments: counts.no_activity, amountMinor: amountOf(counts.no_activity) },
      over_weekly_limit: { segments: over, amountMinor: amountOf(over) },
    },
  };
}

/**
 * The end (23:59:59.999 UTC) of the first Friday at least four days after
 * issue: the Friday of the issue week for an invoice issued on Monday, and
 * never fewer than four days for one issued late.
 */
function disputeDeadline(issuedAt: Date): Date {
  const fourDaysOn = addDays(issuedAt, 4);
  const day = new Date(
    Date.UTC(fourDaysOn.getUTCFullYear(), fourDaysOn.getUTCMonth(), fourDaysOn.getUTCDate()),
  );
  const friday = addDays(weekStart(day), 4);
  const deadline = friday.getTime() >= day.getTime() ? friday : addDays(friday, 7);
  return new Date(addDays(deadline, 1).getTime() - 1);
}

function unprotectedReason(s: TimeSegment): UnprotectedReason | null {
  if (!s.tracked) return "manual_time";
  if (s.memo.trim() === "") return "no_memo";
  if (s.activity <= 0) return "no_activity";
  return null;
}

/** n segments at an hourly rate, rounded half up to the minor unit. */
function segmentsAmount(n: number, hourlyRateMinor: Minor, config: MarketplaceConfig): Minor {
  const minutes = BigInt(n * config.hourly.segmentMinutes);
  return minor((hourlyRateMinor * minutes + 30n) / 60n);
}
