/**
 * Every period and fee of the marketplace in one object. The defaults are the
 * product's; a deployment overrides them once at start (apps parse the
 * environment; the domain never reads it).
 */
export interface MarketplaceConfig {
  /** Platform fee taken on every release, in basis points (1000 = 10%). */
  platformFeeBps: number;
  /** Released money waits this long as pending before it is available. */
  pendingDays: number;
  fixedPrice: {
    /** A submitted milestone the client leaves alone this long is released. */
    autoReleaseDays: number;
    /** The freelancer answers a refund request within this; silence refunds. */
    refundAnswerDays: number;
    /** The client answers a freelancer's dispute within this many business days; silence releases. */
    disputeAnswerBusinessDays: number;
  };
  hourly: {
    /** Time is logged in segments of this many minutes. */
    segmentMinutes: number;
    /** Invoices are issued on Monday at this UTC hour for the week before. */
    invoiceHourUtc: number;
    /** The freelancer answers an invoice dispute within this many days. */
    disputeAnswerDays: number;
  };
  relationship: {
    /** Paying outside the platform is forbidden this long after first contact. */
    offPlatformWindowMonths: number;
    /** Conversion fee: highest hourly rate x hours x basis points, within bounds (minor units of USD). */
    conversionHours: number;
    conversionFeeBps: number;
    conversionFeeMinMinor: bigint;
    conversionFeeMaxMinor: bigint;
    /** The fee once the window has passed. */
    conversionFeeNominalMinor: bigint;
  };
}

export const DEFAULT_CONFIG: MarketplaceConfig = Object.freeze({
  platformFeeBps: 1_000,
  pendingDays: 5,
  fixedPrice: Object.freeze({ autoReleaseDays: 14, refundAnswerDays: 7, disputeAnswerBusinessDays: 5 }),
  hourly: Object.freeze({ segmentMinutes: 10, invoiceHourUtc: 12, disputeAnswerDays: 3 }),
  relationship: Object.freeze({
    offPlatformWindowMonths: 24,
    conversionHours: 2_080,
    conversionFeeBps: 1_350,
    conversionFeeMinMinor: 100_000n,
    conversionFeeMaxMinor: 5_000_000n,
    conversionFeeNominalMinor: 100n,
  }),
});
