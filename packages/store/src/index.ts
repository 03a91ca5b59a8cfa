/** @leakguard/store: the PostgreSQL store (PGlite embedded, or a server), its migrations and repositories. */

export {
  ACTIVITY_SIGNAL_THRESHOLDS,
  type ActivitySignalThresholds,
  carriesDetail,
  recordContractEndedAfterContactExchange,
  recordHourlyTimeStopped,
  recordNewAccountContactBurst,
  recordSilencesAfterContactExchange,
} from "./activity-signals.js";
export {
  API_KEY_PREFIX,
  type ApiKey,
  type ApiKeyCode,
  activeApiKey,
  createApiKey,
  LAST_USED_RESOLUTION_MS,
  listApiKeys,
  revokeApiKey,
} from "./api-keys.js";
export { type AuditEntry, type AuditEvent, type AuditRecord, audit, auditLogOf } from "./audit.js";
export {
  CASE_RISK_THRESHOLD,
  type Case,
  type CaseCode,
  type CaseFilter,
  type CaseReason,
  type CaseStatus,
  caseCounts,
  claimCase,
  getCase,
  listCases,
  openCaseIfDue,
  openOrRaiseCase,
  riskNow,
  urgencyOf,
} from "./cases.js";
export { announceChanges, changesChannel, changeTag } from "./change-feed.js";
export { type EndContractCode, type EndedContract, endContract } from "./contract-end.js";
export { type ContractTrust, type ContractTrustCode, contractTrust } from "./contract-trust.js";
export { type Db, type DbOptions, type Listening, openDb, type Queryable } from "./db.js";
export {
  type ActionKind,
  APPEALABLE,
  type Appeal,
  type AppealCode,
  actionsAbout,
  actionsOfCase,
  actOnCase,
  answerClarification,
  type CaseAction,
  type CaseActionInput,
  type Clarification,
  type ClarificationCode,
  clarificationsOf,
  type DefaultOutcome,
  decideAppeal,
  type EnforcementCode,
  fileAppeal,
  getAction,
  getAppeal,
  lapseClarifications,
  listAppeals,
} from "./enforcement.js";
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
  type MoneyEvent,
  makeAvailable,
  moneyEventsOf,
  type PostCode,
  postTransfers,
  postTransfersIn,
} from "./ledger.js";
export {
  flaggedMessagesOf,
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
  reporterWeight,
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
  type ErasureReport,
  eraseOriginals,
  GRANTABLE_SCOPES,
  type Grant,
  type GrantableScope,
  type GrantCode,
  grantsOf,
  hasGrant,
  type OriginalsViewed,
  recordOriginalsViewed,
  redactDetails,
  scanWithoutValues,
  setGrant,
} from "./originals.js";
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
export { type QueueDepths, queueDepths } from "./queues.js";
export {
  addHits,
  type CounterHit,
  type CounterState,
  clearHits,
  pruneRateLimits,
  readHits,
  windowOf,
} from "./rate-limits.js";
export { isSealed, openSecret, parseSecretKey, sealSecret } from "./secrets.js";
export {
  ARGON2ID,
  checkPassword,
  hashPassword,
  type LiveSession,
  liveSession,
  type NewSession,
  type SessionCode,
  scryptHash,
  sessionAccount,
  setPassword,
  sha256Hex,
  signIn,
  signOut,
} from "./sessions.js";
export { type ShadowReport, shadowReport } from "./shadow.js";
export { recordSignal, signalEventsOf } from "./signals.js";
export {
  type DayStats,
  dashboardStats,
  type Stats,
  statsPeriod,
  type VerdictCounts,
  type WeekLeakage,
} from "./stats.js";
export {
  backoffMs,
  checkWebhookUrl,
  claimDueDeliveries,
  createEndpoint,
  type DeliveryRecord,
  deactivateEndpoint,
  deliveriesOf,
  deliveryBacklog,
  emitEvent,
  getEndpoint,
  isWebhookEventType,
  listEndpoints,
  MAX_ATTEMPTS,
  type OutgoingDelivery,
  recordAttempt,
  redeliver,
  sealWebhookSecrets,
  WEBHOOK_EVENT_TYPES,
  type WebhookCode,
  type WebhookEndpoint,
  type WebhookEventType,
} from "./webhooks.js";
