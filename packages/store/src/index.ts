/** @leakguard/store: the PostgreSQL store (PGlite embedded, or a server), its migrations and repositories. */

export {
  ACTIVITY_SIGNAL_THRESHOLDS,
  type ActivitySignalThresholds,
  recordHourlyTimeStopped,
  recordNewAccountContactBurst,
  recordSilencesAfterContactExchange,
} from "./activity-signals.js";
export {
  CASE_RISK_THRESHOLD,
  type Case,
  type CaseCode,
  type CaseFilter,
  type CaseReason,
  caseCounts,
  claimCase,
  getCase,
  listCases,
  openCaseIfDue,
  openOrRaiseCase,
  riskNow,
} from "./cases.js";
export { type Db, type DbOptions, openDb, type Queryable } from "./db.js";
export {
  type ContractTerms,
  contractSides,
  contractsOf,
  contractTerms,
  createHourlyContract,
  type HourlyCode,
  logSegment,
  segmentsOf,
} from "./hourly.js";
export { type IdempotencyCode, oncePerKey } from "./idempotency.js";
export {
  actOnInvoice,
  type InvoiceAct,
  type InvoiceActCode,
  type InvoiceSettlementRecord,
  invoicesOf,
  issueWeeklyInvoices,
  lapseInvoiceDisputes,
  type StoredInvoice,
  settleUndisputedInvoices,
} from "./invoices.js";
export { type DueJobsReport, runDueJobs } from "./jobs.js";
export {
  balanceOf,
  ledgerTotals,
  makeAvailable,
  type PostCode,
  postTransfers,
  postTransfersIn,
} from "./ledger.js";
export {
  heldMessages,
  instanceSecret,
  type LinkedAccount,
  linkedAccounts,
  type MessageContext,
  type MessageDelivery,
  type MessageReport,
  messageById,
  messageContextFor,
  messagesOf,
  type ReportCode,
  type ReportReason,
  type ReviewCode,
  recordNudge,
  reportMessage,
  reportsList,
  reviewHeldMessage,
  type Screening,
  type SendOutcome,
  type StoredMessage,
  sendMessage,
  useNudge,
} from "./messages.js";
export { MIGRATIONS_DIR, migrate } from "./migrate.js";
export {
  type ActCode,
  actOnMilestone,
  createFixedPriceContract,
  dueMilestones,
  getMilestone,
} from "./milestones.js";
export {
  balancesOf,
  changeAccountStatus,
  conversionFeeFor,
  createAccount,
  getAccount,
  getRelationship,
  type PeopleCode,
  payConversionFee,
  relationshipFor,
  relationshipId,
  relationshipsOf,
  type StatusChange,
  statusChangesOf,
  type UserBalance,
} from "./people.js";
export {
  type SessionCode,
  sessionAccount,
  setPassword,
  signIn,
  signOut,
} from "./sessions.js";
export { signalEventsOf } from "./signals.js";
