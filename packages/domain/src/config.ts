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
    /**
     * What one minor unit of each currency is worth in US cents, in millionths
     * (USD: 1,000,000; a euro cent at 1.08 USD: 1,080,000; a yen at 0.0066 USD:
     * 660,000), for comparing a pair's hourly rates across currencies. A
     * currency missing here cannot price a conversion (`exchange_rate_missing`):
     * rates go stale, so none but USD ship as defaults.
     */
    usdMillionthsPerMinor: Readonly<Record<string, bigint>>;
  };
  trust: {
    /** A warning counts towards suspension this long after it is given. */
    warningExpiryDays: number;
    /** This many live warnings of the same kind suspend (the second of a kind, by default). */
    sameKindWarningsToSuspend: number;
    /** This many live warnings of any kind suspend. */
    anyWarningsToSuspend: number;
    /** A clarification request is answered within this many days unless the agent sets another deadline. */
    clarificationDays: number;
    /** Red-flag signals' weights and half-lives where a policy file changes them (the catalogue's elsewhere). */
    signals?: SignalTuning;
  };
  retention: {
    /**
     * Message originals (the text as typed, details included) are erased this many days after they
     * were sent; verdicts, rules, spans, what was shown and the keyed handle hashes stay. null keeps
     * them forever.
     */
    originalDays: number | null;
  };
}

/** Per signal id, a weight (points) and a half-life (days) replacing the catalogue's. */
export type SignalTuning = Readonly<
  Record<string, { readonly weight?: number; readonly halfLifeDays?: number }>
>;

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
    usdMillionthsPerMinor: Object.freeze({ USD: 1_000_000n }),
  }),
  trust: Object.freeze({
    warningExpiryDays: 90,
    sameKindWarningsToSuspend: 2,
    anyWarningsToSuspend: 3,
    clarificationDays: 3,
  }),
  retention: Object.freeze({ originalDays: 365 }),
});
