/**
 * @leakguard/domain: money, the double-entry ledger, contracts and their
 * clocks, as pure functions. Time, ids and storage come in through ports.
 */
export {
  ACCOUNT_STATUSES,
  type Account,
  type AccountCode,
  type AccountStatus,
  canAct,
  checkStatusChange,
  hasScope,
  type Role,
  SCOPES_OF,
  type Scope,
  type StatusChangeCode,
  validateAccount,
} from "./accounts.js";
export { DEFAULT_CONFIG, type MarketplaceConfig, type SignalTuning } from "./config.js";
export { type TimeSegment, type UnprotectedReason, type WeeklyInvoice, weeklyInvoice } from "./hourly.js";
export {
  answerInvoiceDispute,
  type InvoiceDispute,
  type InvoiceDisputeCode,
  lapseInvoiceDispute,
  openInvoiceDispute,
} from "./invoice-dispute.js";
export {
  chargeInvoice,
  type InvoiceMoney,
  type InvoiceOutcome,
  type InvoiceResolveCode,
  type InvoiceSettlement,
  type InvoiceSettlementCode,
  type InvoiceSettlementKind,
  mayResolveInvoiceDispute,
  settleInvoice,
} from "./invoice-settlement.js";
export {
  type AccountId,
  accounts,
  applyTransfers,
  isWorld,
  type LedgerCode,
  MAX_TRANSFER_MINOR,
  refundTransfers,
  releaseTransfers,
  type Transfer,
  totalOf,
} from "./ledger.js";
export {
  type Actor,
  type Milestone,
  type MilestoneAction,
  type MilestoneCode,
  type MilestoneStatus,
  type MilestoneStep,
  nextDeadline,
  type Party,
  stepMilestone,
} from "./milestone.js";
export {
  basisPoints,
  type Currency,
  isCurrency,
  type Minor,
  type Money,
  maxOf,
  minOf,
  minor,
  sum,
  ZERO,
} from "./money.js";
export {
  type ConversionFeeCode,
  conversionFee,
  highestRateInUsd,
  inOffPlatformWindow,
  mayPayOutside,
  offPlatformWindowEnd,
  type Relationship,
} from "./relationship.js";
export { err, ok, type Result } from "./result.js";
export {
  type GivenWarning,
  suspensionAfterWarning,
  WARNING_KINDS,
  type WarningKind,
  warningLive,
} from "./sanctions.js";
export { addBusinessDays, addDays, addMonths, weekStart } from "./time.js";
