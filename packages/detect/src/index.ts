/**
 * @leakguard/detect: finds off-platform contact and payment attempts in
 * marketplace chat. Pure and browser-safe: no I/O, no Node built-ins.
 */
export {
  type ConversationMessage,
  type ConversationScanner,
  type ConversationScannerSettings,
  createConversationScanner,
} from "./conversation.js";
export { ScanMemo } from "./memo.js";
export {
  type Action,
  DEFAULT_POLICY,
  type EnforcedRule,
  type Policy,
  PolicyError,
  resolvePolicy,
} from "./policy.js";
export { policyOf, type ScanOptions, scan } from "./scan.js";
export type {
  Finding,
  FindingKind,
  HandleKind,
  RuleId,
  ScanError,
  ScanResult,
  Stage,
  Verdict,
} from "./types.js";
