/** Public types of the detection engine. Everything here is plain data. */

export type Stage = "pre_contract" | "contract_active";
export type Verdict = "allow" | "nudge" | "mask" | "hold";
export type RuleId = "P1" | "P2" | "C1" | "C2" | "A1" | "A2" | "A3";

/** Kinds of contact or payment detail, as in corpus/README.md. */
export type HandleKind =
  | "email"
  | "phone"
  | "whatsapp"
  | "telegram"
  | "skype"
  | "discord"
  | "signal"
  | "wechat"
  | "line"
  | "viber"
  | "snapchat"
  | "kik"
  | "instagram"
  | "facebook"
  | "linkedin"
  | "twitter"
  | "paypal"
  | "venmo"
  | "cashapp"
  | "zelle"
  | "wise"
  | "payoneer"
  | "iban"
  | "crypto"
  | "url";

/** What a finding is: a concrete detail (a HandleKind) or an intent without a detail. */
export type FindingKind =
  | HandleKind
  | "intent_pay_outside"
  | "intent_work_outside"
  | "intent_ask_contact"
  | "intent_move_channel"
  | "channel_mention";

export interface Finding {
  rule: RuleId;
  kind: FindingKind;
  /** UTF-16 offset into the original text (inclusive). */
  start: number;
  /** UTF-16 offset into the original text (exclusive). */
  end: number;
  /** Normalized value (corpus/README.md forms) or the matched phrase for intents. */
  value: string;
  /** 0..1 */
  confidence: number;
  /** Why: detector, validation, context words, views applied. */
  reasons?: string[];
}

export interface ScanError {
  code: "message_too_large" | "invalid_stage" | "internal_error";
  message: string;
}

export interface ScanResult {
  verdict: Verdict;
  violation: boolean;
  /** Rules the message matches (including allowed ones such as C1 in contract_active and A1-A3). */
  rules: RuleId[];
  findings: Finding[];
  /** Normalized handles as "kind:value". */
  handles: string[];
  /** The original text with each detail span replaced by a placeholder. */
  masked: string;
  /** Present when the scan could not complete; the verdict then fails closed. */
  error?: ScanError;
}
