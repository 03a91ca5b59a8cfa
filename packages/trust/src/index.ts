/**
 * @leakguard/trust: trust & enforcement decisions, pure and browser-safe.
 * The server gathers the facts, this decides, the store records.
 */
export {
  type ContractState,
  ConversationCache,
  type Delivery,
  decideSend,
  type Explanation,
  type Judgement,
  judgeInConversation,
  type PairState,
  policyForPair,
  policyWordsFor,
  type SendDecision,
  stageOf,
} from "./send.js";
export {
  isSignalId,
  type Risk,
  type RiskContribution,
  riskOf,
  riskOfRecorded,
  SIGNALS,
  type SignalDefinition,
  type SignalEvent,
  type SignalId,
} from "./signals.js";
export { CLARIFICATION_TEMPLATE } from "./texts.js";
