import type { Count, PolicySummary } from "./aggregate.js";
import { VERDICTS } from "./aggregate.js";
import type { BacktestReport } from "./backtest.js";
import type { Scores } from "./labels.js";

/** The summary `leakguard backtest` prints: plain text tables. Message text is untrusted and shown sanitised. */
export function formatSummary(report: BacktestReport): string {
  const out: string[] = [];
  const { input, replay } = report;
  out.push(
    `Backtest: ${n(input.lines)} lines, ${n(input.messages)} messages replayed, ${n(input.badLines)} bad lines skipped` +
      (input.badLines > 0
        ? ` (${Object.entries(input.badLinesByCode)
            .map(([c, k]) => `${c} ${n(k)}`)
            .join(", ")})`
        : ""),
  );
  for (const e of input.lineErrors.slice(0, 5)) out.push(`  ${e.code}: ${clean(e.message, 160)}`);
  out.push(
    `Replay: ${n(replay.conversationsOpened)} conversation states opened, at most ${n(replay.maxHeld)} held ` +
      `(cap ${n(replay.maxConversations)}; ${n(replay.evictedIdle)} forgotten after ${replay.idleDays} days idle, ` +
      `${n(replay.evictedCap)} at the cap); ${n(replay.late)} messages out of time order beyond the ` +
      `${n(replay.reorderWindow)}-message window; ${n(replay.stageChanges)} stage changes`,
  );
  for (const s of report.summaries) out.push("", ...policySummary(s));
  if (report.comparison !== undefined) {
    const c = report.comparison;
    out.push(
      "",
      `Comparison: ${c.base} -> ${c.other}: ${n(c.changed)} of ${n(c.messages)} messages change verdict (${pct(c.changed, c.messages)})`,
    );
    if (c.changes.length > 0)
      out.push(
        ...table(
          ["change", "messages", "share", ""],
          c.changes.map((ch) => [
            ch.direction,
            n(ch.count),
            pct(ch.count, c.changed),
            ch.stricter ? "stricter" : "looser",
          ]),
        ),
      );
    for (const ch of c.changes) {
      out.push(`  ${ch.direction}:`);
      for (const e of ch.examples)
        out.push(
          `    ${clean(e.id, 30)} [${e.rules.join(",")} -> ${e.toRules.join(",")}] ${clean(e.masked, 100)}`,
        );
    }
  }
  if (report.labels !== undefined) {
    const l = report.labels;
    out.push(
      "",
      `Labels (${l.source === "file" ? "--labels file" : "carried by the input lines"}): ` +
        `${n(l.scores[0]?.labelled ?? 0)} labelled messages replayed` +
        (l.source === "file" ? `, ${n(l.unmatched)} labels matched no message` : ""),
    );
    const rows: string[][] = [];
    for (const s of l.scores) {
      rows.push([s.policy, "overall", ...scoreCells(s.overall)]);
      for (const [rule, sc] of Object.entries(s.rules)) rows.push(["", rule, ...scoreCells(sc)]);
    }
    out.push(...table(["policy", "rule", "precision", "recall", "FP rate", "tp", "fp", "fn", "tn"], rows));
  }
  return `${out.join("\n")}\n`;
}

function policySummary(s: PolicySummary): string[] {
  const out: string[] = [`Policy ${s.policy}`];
  out.push(
    ...table(
      ["", ""],
      [
        ["messages", n(s.messages)],
        [
          "verdicts",
          VERDICTS.map((v) => `${v} ${n(s.verdicts[v])} (${pct(s.verdicts[v], s.messages)})`).join("  "),
        ],
        ["violations", `${n(s.violations)} (${pct(s.violations, s.messages)})`],
        ["conversations", `${count(s.conversations)}, ${n(s.conversationsAffected)} with a violation`],
        ["senders", `${count(s.senders)}, ${count(s.sendersAffected)} sent a violation`],
        [
          "handles",
          `${n(s.handles.distinct)} distinct values, ${n(s.handles.linked)} linked across 2+ senders` +
            (s.handles.linked > 0
              ? ` (${Object.entries(s.handles.linkedByKind)
                  .sort((a, b) => b[1] - a[1])
                  .map(([k, v]) => `${k} ${n(v)}`)
                  .join(", ")})`
              : "") +
            (s.handles.untracked > 0 ? `; ${n(s.handles.untracked)} past the tracking cap` : ""),
        ],
        ...(Object.keys(s.scanErrors).length > 0
          ? [
              [
                "scan errors",
                Object.entries(s.scanErrors)
                  .map(([c, k]) => `${c} ${n(k)}`)
                  .join(", "),
              ],
            ]
          : []),
      ],
      false,
    ),
  );
  const rows: string[][] = [];
  for (let i = 0; i < Math.max(Math.min(s.rules.length, 8), Math.min(s.kinds.length, 8)); i++) {
    const r = s.rules[i];
    const k = s.kinds[i];
    rows.push([
      r?.key ?? "",
      r === undefined ? "" : n(r.count),
      k?.key ?? "",
      k === undefined ? "" : n(k.count),
    ]);
  }
  out.push(...table(["top rules", "messages", "top kinds", "messages"], rows));
  if (s.clusters.length > 0) {
    out.push("Largest linked-handle clusters (values hashed, never shown):");
    out.push(
      ...table(
        ["handle hash", "kinds", "senders", "messages"],
        s.clusters
          .slice(0, 5)
          .map((c) => [
            c.hash,
            c.kinds.join(","),
            `${c.senders.length}${c.moreSenders ? "+" : ""}`,
            n(c.messages),
          ]),
      ),
    );
  }
  return out;
}

function scoreCells(s: Scores): string[] {
  const f = (v: number | null): string => (v === null ? "-" : v.toFixed(3));
  return [f(s.precision), f(s.recall), f(s.falsePositiveRate), n(s.tp), n(s.fp), n(s.fn), n(s.tn)];
}

/** Left-aligned first column, right-aligned numbers elsewhere. */
export function table(headers: string[], rows: string[][], numbersRight = true): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    `  ${cells
      .map((c, i) =>
        i === 0 || !numbersRight || !/^[\d.,%+-]+$/.test(c)
          ? c.padEnd(widths[i] ?? 0)
          : c.padStart(widths[i] ?? 0),
      )
      .join("  ")
      .trimEnd()}`;
  const head = headers.some((h) => h !== "") ? [line(headers)] : [];
  return [...head, ...rows.map(line)];
}

/** Untrusted text for a terminal: control and bidi characters replaced, cut to `max` characters. */
export function clean(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  const s = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, " ");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export const n = (v: number): string => v.toLocaleString("en-US");
export const pct = (a: number, b: number): string => (b === 0 ? "-" : `${((100 * a) / b).toFixed(1)}%`);
const count = (c: Count): string => (c.exact ? n(c.count) : `~${n(c.count)}`);
