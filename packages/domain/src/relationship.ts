import type { MarketplaceConfig } from "./config.js";
import { basisPoints, type Minor, maxOf, minOf, minor } from "./money.js";
import { err, ok, type Result } from "./result.js";
import { addMonths } from "./time.js";

export type ConversionFeeCode = "exchange_rate_missing";

/**
 * The highest of a pair's hourly rates, in USD minor units: each rate is
 * converted with the configured value of its currency (rounded half up),
 * because the conversion fee's bounds are in USD. Zero for a pair with no
 * hourly contract.
 */
export function highestRateInUsd(
  rates: readonly { rateMinor: bigint; currency: string }[],
  config: MarketplaceConfig,
): Result<Minor, ConversionFeeCode> {
  let highest = 0n;
  for (const r of rates) {
    const millionths = config.relationship.usdMillionthsPerMinor[r.currency];
    if (millionths === undefined)
      return err(
        "exchange_rate_missing",
        `the pair has an hourly contract in ${r.currency}, and no exchange rate to USD is configured for it (relationship.usdMillionthsPerMinor)`,
      );
    const usd = (r.rateMinor * millionths + 500_000n) / 1_000_000n;
    if (usd > highest) highest = usd;
  }
  return ok(minor(highest));
}

/** Until when paying outside the platform is forbidden for a pair identified on the platform at `identifiedAt`. */
export function offPlatformWindowEnd(identifiedAt: Date, config: MarketplaceConfig): Date {
  return addMonths(identifiedAt, config.relationship.offPlatformWindowMonths);
}

/**
 * The fee a client pays to take a relationship off the platform: the pair's
 * highest hourly rate x the configured hours x the configured share, bounded;
 * a nominal fee once the window has passed. Amounts in USD minor units.
 */
export function conversionFee(
  highestHourlyRateMinor: Minor,
  identifiedAt: Date,
  now: Date,
  config: MarketplaceConfig,
): Minor {
  const r = config.relationship;
  if (now.getTime() >= offPlatformWindowEnd(identifiedAt, config).getTime())
    return minor(r.conversionFeeNominalMinor);
  const base = basisPoints(minor(highestHourlyRateMinor * BigInt(r.conversionHours)), r.conversionFeeBps);
  return minOf(maxOf(base, minor(r.conversionFeeMinMinor)), minor(r.conversionFeeMaxMinor));
}

/** The client-freelancer pair, created at their first contact on the platform. */
export interface Relationship {
  id: string;
  clientId: string;
  freelancerId: string;
  identifiedAt: Date;
  /** Set when the client paid the conversion fee: the pair may then work and pay outside. */
  conversionPaidAt?: Date;
}

/** Whether this pair may pay outside the platform: only once the conversion fee is paid. */
export function mayPayOutside(r: Pick<Relationship, "conversionPaidAt">): boolean {
  return r.conversionPaidAt !== undefined;
}

/** Whether off-platform payment is still forbidden for the pair at `now` (the window, and no conversion paid). */
export function inOffPlatformWindow(r: Relationship, now: Date, config: MarketplaceConfig): boolean {
  return !mayPayOutside(r) && now.getTime() < offPlatformWindowEnd(r.identifiedAt, config).getTime();
}
