import type { Policy, ScanResult, Stage } from "@leakguard/detect";
import { type AggregatorOptions, createAggregator, type PolicySummary } from "./aggregate.js";
import { type Comparison, createComparer } from "./compare.js";
import { type Label, type LineError, parseHistoryLine } from "./history.js";
import { createLabelScorer, type LabelScores } from "./labels.js";
import { createReplayer, DEFAULT_REPLAY, type ReplayOptions, type ReplayStats } from "./replay.js";

export interface NamedPolicy {
  /** What the report calls it: the file name, or "default". */
  name: string;
  policy: Policy;
}

export interface BacktestOptions {
  /** The policy, then optionally the one to compare with. */
  policies: readonly NamedPolicy[];
  defaultStage: Stage;
  locale?: string;
  /** Labels by message id (--labels). Without it, labels carried by the lines themselves (the corpus) are used. */
  labels?: Map<string, Label>;
  hashKey: string;
  replay?: Partial<Omit<ReplayOptions, "policies" | "locale">>;
  aggregate?: Omit<AggregatorOptions, "hashKey">;
  /** Bad lines kept with their message (all are counted). */
  maxLineErrors?: number;
}

export interface BacktestReport {
  input: {
    lines: number;
    messages: number;
    badLines: number;
    badLinesByCode: Record<string, number>;
    /** The first bad lines, with line numbers. */
    lineErrors: LineError[];
  };
  replay: ReplayStats & { maxConversations: number; idleDays: number; reorderWindow: number };
  summaries: PolicySummary[];
  comparison?: Comparison;
  labels?: {
    source: "file" | "inline";
    scores: LabelScores[];
    /** Labels in the file whose id no replayed message had. */
    unmatched: number;
  };
}

export interface Backtest {
  /** One line of the history file (blank lines are skipped but counted). */
  pushLine(text: string): void;
  finish(): BacktestReport;
  readonly messages: number;
  readonly held: number;
}

export function createBacktest(options: BacktestOptions): Backtest {
  const replayOptions = { ...DEFAULT_REPLAY, ...options.replay };
  const aggregators = options.policies.map(({ name }) =>
    createAggregator(name, { ...options.aggregate, hashKey: options.hashKey }),
  );
  const [base, other] = options.policies;
  const comparer =
    base !== undefined && other !== undefined ? createComparer(base.name, other.name) : undefined;
  const scorers = options.policies.map(({ name }) => createLabelScorer(name));
  const labels = options.labels;
  const maxLineErrors = options.maxLineErrors ?? 20;
  let inlineLabels = false;
  let lines = 0;
  let messages = 0;
  let badLines = 0;
  const badLinesByCode: Record<string, number> = {};
  const lineErrors: LineError[] = [];

  const replayer = createReplayer(
    {
      ...replayOptions,
      policies: options.policies.map((p) => p.policy),
      ...(options.locale === undefined ? {} : { locale: options.locale }),
    },
    ({ message, results, firstViolation }) => {
      for (let i = 0; i < aggregators.length; i++)
        aggregators[i]?.add(message, results[i] as ScanResult, firstViolation[i] === true);
      if (comparer !== undefined) comparer.add(message, results[0] as ScanResult, results[1] as ScanResult);
      let label: Label | undefined;
      if (labels !== undefined) {
        label = labels.get(message.id);
        if (label !== undefined) labels.delete(message.id);
      } else if (message.label !== undefined) {
        label = message.label;
        inlineLabels = true;
      }
      if (label !== undefined)
        for (let i = 0; i < scorers.length; i++) scorers[i]?.add(label, results[i] as ScanResult);
    },
  );

  return {
    pushLine(text) {
      lines++;
      if (text.trim() === "") return;
      const parsed = parseHistoryLine(text, lines, options.defaultStage);
      if (!parsed.ok) {
        badLines++;
        badLinesByCode[parsed.error.code] = (badLinesByCode[parsed.error.code] ?? 0) + 1;
        if (lineErrors.length < maxLineErrors) lineErrors.push(parsed.error);
        return;
      }
      for (const m of parsed.messages) {
        messages++;
        replayer.push(m);
      }
    },
    finish() {
      replayer.finish();
      const report: BacktestReport = {
        input: { lines, messages, badLines, badLinesByCode, lineErrors },
        replay: {
          ...replayer.stats,
          maxConversations: replayOptions.maxConversations,
          idleDays: replayOptions.idleMs / 86_400_000,
          reorderWindow: replayOptions.reorderWindow,
        },
        summaries: aggregators.map((a) => a.summary()),
      };
      if (comparer !== undefined) report.comparison = comparer.result();
      if (labels !== undefined || inlineLabels)
        report.labels = {
          source: labels !== undefined ? "file" : "inline",
          scores: scorers.map((s) => s.result()),
          unmatched: labels?.size ?? 0,
        };
      return report;
    },
    get messages() {
      return messages;
    },
    get held() {
      return replayer.held;
    },
  };
}
