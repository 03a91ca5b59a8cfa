import { createConversationScanner, type ScanResult, type Stage, scan } from "@leakguard/detect";

/** One output line of `leakguard scan`: the stable contract other tools rely on (README, "Scanning a file"). */
export type OutputLine = Record<string, unknown>;

export interface ScanLineOptions {
  stage: Stage;
  locale?: string;
}

export interface Summary {
  lines: number;
  messages: number;
  conversations: number;
  errors: number;
  violations: number;
  verdicts: Record<string, number>;
}

export function emptySummary(): Summary {
  return { lines: 0, messages: 0, conversations: 0, errors: 0, violations: 0, verdicts: {} };
}

const STAGES = new Set<string>(["pre_contract", "contract_active"]);

/** Turns one input line into one output line; never throws. */
export function scanLine(line: string, options: ScanLineOptions, summary: Summary): OutputLine {
  summary.lines++;
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch (err) {
    return error(
      summary,
      undefined,
      "invalid_json",
      `line ${summary.lines} is not JSON: ${(err as Error).message}`,
    );
  }
  if (typeof input !== "object" || input === null || Array.isArray(input))
    return error(summary, undefined, "invalid_line", `line ${summary.lines}: expected a JSON object`);
  const obj = input as Record<string, unknown>;
  const id = obj.id;
  const stageValue = obj.stage ?? options.stage;
  if (typeof stageValue !== "string" || !STAGES.has(stageValue))
    return error(
      summary,
      id,
      "invalid_stage",
      `line ${summary.lines}: stage must be "pre_contract" or "contract_active"`,
    );
  const stage = stageValue as Stage;
  const scanOptions = options.locale === undefined ? { stage } : { stage, locale: options.locale };

  if (Array.isArray(obj.messages)) {
    const messages = obj.messages as unknown[];
    for (const [i, m] of messages.entries()) {
      const msg = m as Record<string, unknown> | null;
      if (typeof msg !== "object" || msg === null || typeof msg.text !== "string")
        return error(
          summary,
          id,
          "missing_text",
          `line ${summary.lines}: messages[${i}] has no "text" string`,
        );
    }
    const scanner = createConversationScanner(scanOptions);
    const verdicts: ScanResult[] = messages.map((m) => {
      const msg = m as Record<string, unknown>;
      const from = typeof msg.from === "string" || typeof msg.from === "number" ? String(msg.from) : "";
      return scanner.push({ from, text: msg.text as string });
    });
    const first = verdicts.findIndex((v) => v.violation);
    const handles = [...new Set(verdicts.flatMap((v) => v.handles))];
    summary.conversations++;
    if (first >= 0) summary.violations++;
    for (const v of verdicts) summary.verdicts[v.verdict] = (summary.verdicts[v.verdict] ?? 0) + 1;
    return {
      ...(id === undefined ? {} : { id }),
      violation: first >= 0,
      first_violating_index: first >= 0 ? first : null,
      handles,
      verdicts: verdicts.map(publicResult),
    };
  }
  if (typeof obj.text !== "string")
    return error(
      summary,
      id,
      "missing_text",
      `line ${summary.lines}: expected "text" (a string) or "messages" (an array)`,
    );
  const text = obj.text;
  const result = scan(text, scanOptions);
  if (result.error !== undefined) return error(summary, id, result.error.code, result.error.message);
  summary.messages++;
  if (result.violation) summary.violations++;
  summary.verdicts[result.verdict] = (summary.verdicts[result.verdict] ?? 0) + 1;
  return { ...(id === undefined ? {} : { id }), text, ...publicResult(result) };
}

function publicResult(r: ScanResult): OutputLine {
  return {
    verdict: r.verdict,
    violation: r.violation,
    rules: r.rules,
    handles: r.handles,
    findings: r.findings.map(({ rule, kind, start, end, value, confidence }) => ({
      rule,
      kind,
      start,
      end,
      value,
      confidence,
    })),
    masked: r.masked,
    ...(r.error === undefined ? {} : { error: r.error }),
  };
}

function error(summary: Summary, id: unknown, code: string, message: string): OutputLine {
  summary.errors++;
  return { ...(id === undefined ? {} : { id }), error: { code, message } };
}
