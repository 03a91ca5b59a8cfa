// Types for score.mjs (plain JavaScript so that `npm run eval` needs no build step).
export interface MessageReport {
  count: number;
  recall: number | null;
  false_positive_rate: number | null;
  precision: number | null;
  handle_precision: number | null;
  handle_recall: number | null;
  handle_f1: number | null;
  recall_per_rule: Record<string, string>;
  recall_per_obfuscation: Record<string, string>;
  accuracy_per_language: Record<string, string>;
}
export interface ConversationReport {
  count: number;
  violation_accuracy: number | null;
  first_violating_index_exact: number | null;
  handle_recall: number | null;
  handle_precision: number | null;
}
export interface Report {
  messages: MessageReport;
  conversations: ConversationReport;
}
export function handleMatches(a: string, b: string): boolean;
export function scoreMessages(gold: object[], pred: object[]): { report: MessageReport; misses: object[] };
export function scoreConversations(
  gold: object[],
  pred: object[],
): { report: ConversationReport; misses: object[] };
export const TARGETS: [string, (r: Report) => boolean][];
