import type { Stage } from "@leakguard/detect";

/**
 * One message of a history, as `leakguard backtest` replays it (README,
 * "Backtesting a policy"). Read from a history line
 * `{"id", "conversation_id", "sender", "timestamp", "stage" | "contract_state", "text", "lang"?}`
 * or from the labelled corpus format (corpus/dev/README.md).
 */
export interface HistoryMessage {
  id: string;
  conversation: string;
  sender: string;
  /** Milliseconds since the epoch; null when the line gives none (the corpus format). */
  time: number | null;
  stage: Stage;
  text: string;
  /** A label carried by the line itself (the corpus's message lines): used when no --labels file is given. */
  label?: Label;
}

export interface Label {
  violation: boolean;
  rules?: string[];
}

export interface LineError {
  line: number;
  code:
    | "invalid_json"
    | "invalid_line"
    | "missing_text"
    | "missing_id"
    | "invalid_stage"
    | "invalid_timestamp";
  message: string;
}

export type ParsedLine = { ok: true; messages: HistoryMessage[] } | { ok: false; error: LineError };

const STAGES: ReadonlySet<string> = new Set(["pre_contract", "contract_active"]);
/** `contract_state` as a marketplace records it, mapped to the engine's stage (an ended contract screens as before any). */
const CONTRACT_STATES: Readonly<Record<string, Stage>> = {
  none: "pre_contract",
  offered: "pre_contract",
  active: "contract_active",
  paused: "contract_active",
  ended: "pre_contract",
};

/** Parses one history line (1-based `line` for errors). Never throws. */
export function parseHistoryLine(text: string, line: number, defaultStage: Stage): ParsedLine {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    return fail(line, "invalid_json", `not JSON: ${(err as Error).message}`);
  }
  if (typeof input !== "object" || input === null || Array.isArray(input))
    return fail(line, "invalid_line", "expected a JSON object");
  const obj = input as Record<string, unknown>;
  const id = idOf(obj.id);
  if (id === undefined) return fail(line, "missing_id", 'expected "id" (a string or a number)');
  const stage = stageOf(obj, defaultStage);
  if (typeof stage !== "string") return fail(line, "invalid_stage", stage.message);

  // The corpus's conversation lines: one conversation, its messages in order, no times.
  if (Array.isArray(obj.messages)) {
    const messages: HistoryMessage[] = [];
    for (const [i, m] of (obj.messages as unknown[]).entries()) {
      const msg = m as Record<string, unknown> | null;
      if (typeof msg !== "object" || msg === null || typeof msg.text !== "string")
        return fail(line, "missing_text", `messages[${i}] has no "text" string`);
      const from = idOf(msg.from) ?? "unknown";
      messages.push({
        id: `${id}:${i}`,
        conversation: id,
        // Roles ("client") are not people: scope them to the conversation so two conversations' "client" stay apart.
        sender: `${id}:${from}`,
        time: null,
        stage,
        text: msg.text,
      });
    }
    return { ok: true, messages };
  }

  if (typeof obj.text !== "string") return fail(line, "missing_text", 'expected "text" (a string)');
  const time = timeOf(obj.timestamp ?? obj.ts ?? obj.time);
  if (time === false)
    return fail(line, "invalid_timestamp", '"timestamp" must be an ISO 8601 date-time or epoch milliseconds');
  const conversation = idOf(obj.conversation_id ?? obj.conversation) ?? id;
  const sender = idOf(obj.sender ?? obj.from) ?? `${conversation}:unknown`;
  const message: HistoryMessage = { id, conversation, sender, time, stage, text: obj.text };
  if (typeof obj.violation === "boolean") {
    const rules = Array.isArray(obj.rules)
      ? obj.rules.filter((r): r is string => typeof r === "string")
      : null;
    message.label = rules === null ? { violation: obj.violation } : { violation: obj.violation, rules };
  }
  return { ok: true, messages: [message] };
}

function idOf(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

function stageOf(obj: Record<string, unknown>, defaultStage: Stage): Stage | { message: string } {
  if (obj.stage !== undefined) {
    if (typeof obj.stage === "string" && STAGES.has(obj.stage)) return obj.stage as Stage;
    return { message: '"stage" must be "pre_contract" or "contract_active"' };
  }
  if (obj.contract_state !== undefined) {
    const s = typeof obj.contract_state === "string" ? CONTRACT_STATES[obj.contract_state] : undefined;
    if (s !== undefined) return s;
    return { message: `"contract_state" must be one of ${Object.keys(CONTRACT_STATES).join(", ")}` };
  }
  return defaultStage;
}

/** null when absent, false when present but unreadable. */
function timeOf(v: unknown): number | null | false {
  if (v === undefined || v === null) return null;
  if (typeof v === "number") return Number.isFinite(v) ? v : false;
  if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}/.test(v)) return false;
  const t = Date.parse(v);
  return Number.isNaN(t) ? false : t;
}

function fail(line: number, code: LineError["code"], message: string): ParsedLine {
  return { ok: false, error: { line, code, message: `line ${line}: ${message}` } };
}
