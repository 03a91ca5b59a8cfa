import type { ConversionFeeCode, StatusChangeCode } from "@leakguard/domain";
import type {
  ActCode,
  ApiKeyCode,
  AppealCode,
  CaseCode,
  ClarificationCode,
  EndContractCode,
  EnforcementCode,
  GrantCode,
  HourlyCode,
  InvoiceActCode,
  PeopleCode,
  PostCode,
  ReportCode,
  ReviewCode,
  SessionCode,
  WebhookCode,
} from "@leakguard/store";

/** Codes the HTTP edge itself returns, before any domain code runs. */
export type EdgeCode =
  | "invalid_request"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "internal"
  | "database_unavailable"
  | "confirmation_invalid"
  | "account_suspended"
  | "csrf_token_invalid";

export type ApiCode =
  | EdgeCode
  | PeopleCode
  | ActCode
  | HourlyCode
  | PostCode
  | SessionCode
  | InvoiceActCode
  | StatusChangeCode
  | ReviewCode
  | ReportCode
  | CaseCode
  | EnforcementCode
  | EndContractCode
  | ClarificationCode
  | AppealCode
  | WebhookCode
  | GrantCode
  | ConversionFeeCode
  | ApiKeyCode;

/**
 * The one table from result codes to HTTP statuses. It is a total record over
 * every code the domain and store can return, so a new code without a status
 * fails the type check instead of becoming a 500.
 */
export const STATUS_OF: Readonly<Record<ApiCode, number>> = Object.freeze({
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  database_unavailable: 503,
  // accounts and pairs
  invalid_role: 422,
  invalid_country: 422,
  invalid_locale: 422,
  invalid_display_name: 422,
  account_not_found: 404,
  account_exists: 409,
  not_a_pair: 422,
  account_cannot_act: 403,
  message_id_reused: 422,
  conversation_busy: 409,
  confirmation_invalid: 422,
  message_not_found: 404,
  message_not_held: 409,
  cannot_report_own_message: 422,
  case_not_found: 404,
  case_claimed: 409,
  case_not_claimed_by_you: 409,
  case_closed: 409,
  status_unchanged: 409,
  own_status: 403,
  reason_required: 422,
  scope_not_for_role: 422,
  own_scopes: 403,
  // sessions
  invalid_password: 422,
  wrong_credentials: 401,
  csrf_token_invalid: 403,
  // API keys
  api_key_not_found: 404,
  invalid_api_key_name: 422,
  // milestones
  not_allowed_for_actor: 403,
  milestone_not_found: 404,
  milestone_not_funded: 409,
  milestone_already_funded: 409,
  milestone_closed: 409,
  milestone_frozen: 409,
  milestone_not_submitted: 409,
  no_refund_request: 409,
  no_dispute: 409,
  dispute_already_answered: 409,
  split_out_of_range: 422,
  nothing_due: 409,
  idempotency_key_reused: 422,
  // ledger
  invalid_amount: 422,
  same_account: 422,
  insufficient_funds: 409,
  balance_out_of_range: 409,
  transfer_conflict: 409,
  // hourly
  contract_not_found: 404,
  segment_not_aligned: 422,
  invalid_activity: 422,
  segment_in_the_future: 422,
  week_invoiced: 409,
  invoice_not_found: 404,
  invoice_already_disputed: 409,
  dispute_window_closed: 409,
  answer_window_closed: 409,
  dispute_not_contested: 409,
  invoice_already_settled: 409,
  refund_out_of_range: 422,
  // conversion
  exchange_rate_missing: 422,
  // trust & safety on contracts
  protection_void: 409,
  contract_ended: 409,
  escrow_held: 409,
  escrow_frozen: 409,
  release_waiting: 409,
  // enforcement
  clarification_pending: 409,
  deadline_out_of_range: 422,
  contract_not_of_subject: 422,
  protection_already_void: 409,
  message_not_of_subject: 422,
  clarification_not_found: 404,
  clarification_closed: 409,
  answer_required: 422,
  action_not_found: 404,
  not_appealable: 422,
  appeal_exists: 409,
  statement_required: 422,
  appeal_not_found: 404,
  appeal_decided: 409,
  appeal_own_action: 403,
  account_suspended: 403,
  // webhooks
  invalid_webhook_url: 422,
  unknown_event_type: 422,
  webhook_not_found: 404,
  delivery_not_found: 404,
});

export interface ErrorBody {
  error: { code: ApiCode; message: string; details?: unknown };
}

export function errorBody(code: ApiCode, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
