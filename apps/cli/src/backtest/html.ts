import type { Verdict } from "@leakguard/detect";
import { type Example, type PolicySummary, type Ranked, VERDICTS } from "./aggregate.js";
import type { BacktestReport } from "./backtest.js";
import type { Scores } from "./labels.js";

/**
 * The backtest report as one self-contained HTML page: inline CSS, inline SVG
 * charts, no script and no network (a Content-Security-Policy forbids both).
 * Every piece of input text goes through `escapeHtml`: messages, ids and file
 * names are untrusted.
 */
export function renderReport(report: BacktestReport, meta: { input: string; generatedAt: Date }): string {
  const main = report.summaries[0];
  if (main === undefined) throw new Error("renderReport: no policy summary");
  const body: string[] = [];
  body.push(
    `<h1>Leakguard backtest</h1>`,
    `<p class="meta">Input <code>${escapeHtml(meta.input)}</code> · generated ${escapeHtml(meta.generatedAt.toISOString())} · policy <code>${escapeHtml(main.policy)}</code>${
      report.comparison === undefined
        ? ""
        : ` compared with <code>${escapeHtml(report.comparison.other)}</code>`
    }</p>`,
    `<p class="meta">Example messages show the text as the policy masks it: contact and payment details are hidden, handles appear only as keyed hashes.</p>`,
    cards(main),
    section("Verdicts", verdictSection(main)),
    section("Verdicts over time", overTime(main)),
    section("Leakage attempts per week", attemptsPerWeek(main)),
    section("Rules", ranked(main.rules, "rule")),
    section("Kinds of finding", ranked(main.kinds, "kind")),
    section(
      "Languages",
      `<p class="note">Left out: the engine (<code>@leakguard/detect</code>) exposes no language guess for a message, so the report cannot break verdicts down by language.</p>`,
    ),
    section("Largest linked-handle clusters", clusters(main)),
  );
  if (report.comparison !== undefined) body.push(section("Policy comparison", comparison(report)));
  if (report.labels !== undefined) body.push(section("Against labels", labels(report)));
  body.push(section("Input and replay", inputSection(report)));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Leakguard backtest: ${escapeHtml(meta.input)}</title>
<style>${CSS}</style>
</head>
<body>
${body.join("\n")}
</body>
</html>
`;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const COLORS: Record<Verdict, string> = {
  allow: "#7fb77e",
  nudge: "#e2c044",
  mask: "#e8913a",
  hold: "#c8464a",
};

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#1d2327;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #dcdfe3;padding-bottom:4px}
.meta,.note{color:#59636e}code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f3f4f6;padding:1px 4px;border-radius:3px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{border:1px solid #dcdfe3;border-radius:6px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:22px}.card span{color:#59636e;font-size:12px}
table{border-collapse:collapse;margin:8px 0;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceef0;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
details{margin:2px 0}summary{cursor:pointer;color:#2f5d8a}
.ex{font-size:12px;margin:4px 0 4px 12px;padding:4px 8px;border-left:3px solid #dcdfe3;white-space:pre-wrap;word-break:break-word}
.ex .id{color:#59636e}.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
svg{display:block;max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#3b444b}
`;

function section(title: string, html: string): string {
  return `<section><h2>${escapeHtml(title)}</h2>\n${html}\n</section>`;
}

const n = (v: number): string => v.toLocaleString("en-US");
const pct = (a: number, b: number): string => (b === 0 ? "-" : `${((100 * a) / b).toFixed(1)}%`);

function cards(s: PolicySummary): string {
  const card = (value: string, label: string): string =>
    `<div class="card"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
  const approx = (c: { count: number; exact: boolean }): string => `${c.exact ? "" : "~"}${n(c.count)}`;
  return `<div class="cards">${[
    card(n(s.messages), "messages"),
    card(`${n(s.violations)} (${pct(s.violations, s.messages)})`, "violations"),
    card(`${n(s.conversationsAffected)} / ${approx(s.conversations)}`, "conversations with a violation"),
    card(`${approx(s.sendersAffected)} / ${approx(s.senders)}`, "senders who sent a violation"),
    card(n(s.handles.linked), "handles linked across 2+ senders"),
  ].join("")}</div>`;
}

function examples(list: readonly Example[], label = "examples"): string {
  if (list.length === 0) return "";
  return `<details><summary>${escapeHtml(label)} (${list.length})</summary>${list.map(example).join("")}</details>`;
}

function example(e: Example): string {
  const when = e.time === null ? "" : ` · ${new Date(e.time).toISOString().replace("T", " ").slice(0, 16)}`;
  return `<div class="ex"><span class="id">${escapeHtml(e.id)} · conversation ${escapeHtml(e.conversation)} · from ${escapeHtml(
    e.sender,
  )}${when} · ${escapeHtml(e.verdict)}${e.rules.length > 0 ? ` [${escapeHtml(e.rules.join(", "))}]` : ""}</span>\n${escapeHtml(
    e.masked,
  )}</div>`;
}

function legend(): string {
  return `<p class="legend">${VERDICTS.map(
    (v) => `<span><i class="sw" style="background:${COLORS[v]}"></i>${v}</span>`,
  ).join("")}</p>`;
}

function verdictSection(s: PolicySummary): string {
  const width = 1000;
  let x = 0;
  const rects = VERDICTS.map((v) => {
    const w = s.messages === 0 ? 0 : (width * s.verdicts[v]) / s.messages;
    const r = `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="24" fill="${COLORS[v]}"><title>${v}: ${n(
      s.verdicts[v],
    )}</title></rect>`;
    x += w;
    return r;
  }).join("");
  const rows = VERDICTS.map(
    (v) =>
      `<tr><td><i class="sw" style="background:${COLORS[v]}"></i>${v}</td><td class="num">${n(s.verdicts[v])}</td><td class="num">${pct(
        s.verdicts[v],
        s.messages,
      )}</td><td>${examples(s.verdictExamples[v])}</td></tr>`,
  ).join("");
  const errors = Object.entries(s.scanErrors);
  return `<svg viewBox="0 0 ${width} 24" role="img" aria-label="verdict mix">${rects}</svg>
<table><tr><th>verdict</th><th class="num">messages</th><th class="num">share</th><th></th></tr>${rows}</table>${
    errors.length === 0
      ? ""
      : `<p class="note">Scan errors (failed closed as hold): ${escapeHtml(errors.map(([c, k]) => `${c} ${n(k)}`).join(", "))}</p>`
  }`;
}

/** Stacked bars of verdicts per day, or per week past 120 days. */
function overTime(s: PolicySummary): string {
  if (s.days.length === 0)
    return `<p class="note">No message has a timestamp (the corpus format has none), so there is nothing to draw over time.</p>`;
  let buckets = s.days.map((d) => ({ label: d.day, verdicts: d.verdicts }));
  let unit = "day";
  if (buckets.length > 120) {
    unit = "week (starting Monday)";
    const weeks = new Map<string, Record<Verdict, number>>();
    for (const d of s.days) {
      const day = Math.floor(Date.parse(d.day) / 86_400_000);
      const week = new Date((day - ((day + 3) % 7)) * 86_400_000).toISOString().slice(0, 10);
      const w = weeks.get(week) ?? { allow: 0, nudge: 0, mask: 0, hold: 0 };
      for (const v of VERDICTS) w[v] += d.verdicts[v];
      weeks.set(week, w);
    }
    buckets = [...weeks].map(([label, verdicts]) => ({ label, verdicts }));
  }
  const height = 220;
  const left = 50;
  const width = Math.max(600, left + buckets.length * 8);
  const slot = (width - left) / buckets.length;
  const max = Math.max(1, ...buckets.map((b) => VERDICTS.reduce((a, v) => a + b.verdicts[v], 0)));
  const parts: string[] = [axis(max, left, width, height)];
  buckets.forEach((b, i) => {
    let y = height;
    const x = left + i * slot;
    for (const v of VERDICTS) {
      const h = ((height - 10) * b.verdicts[v]) / max;
      if (h <= 0) continue;
      y -= h;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, slot - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[v]}"><title>${escapeHtml(
          b.label,
        )} ${v}: ${n(b.verdicts[v])}</title></rect>`,
      );
    }
  });
  parts.push(
    ...xLabels(
      buckets.map((b) => b.label),
      left,
      slot,
      height,
    ),
  );
  return `${legend()}<svg viewBox="0 0 ${width} ${height + 30}" role="img" aria-label="verdicts per ${unit}">${parts.join("")}</svg>
<p class="note">Messages per ${escapeHtml(unit)}, stacked by verdict, from ${escapeHtml(buckets[0]?.label ?? "")} to ${escapeHtml(
    buckets.at(-1)?.label ?? "",
  )}${s.untimed > 0 ? `; ${n(s.untimed)} messages without a timestamp are not drawn` : ""}.</p>`;
}

function attemptsPerWeek(s: PolicySummary): string {
  if (s.weeks.length === 0) return `<p class="note">No message has a timestamp.</p>`;
  const height = 180;
  const left = 50;
  const width = Math.max(600, left + s.weeks.length * 12);
  const slot = (width - left) / s.weeks.length;
  const max = Math.max(1, ...s.weeks.map((w) => w.attempts));
  const parts: string[] = [axis(max, left, width, height)];
  s.weeks.forEach((w, i) => {
    const h = ((height - 10) * w.attempts) / max;
    parts.push(
      `<rect x="${(left + i * slot).toFixed(1)}" y="${(height - h).toFixed(1)}" width="${Math.max(1, slot - 2).toFixed(1)}" height="${h.toFixed(
        1,
      )}" fill="${COLORS.hold}"><title>week of ${escapeHtml(w.week)}: ${n(w.attempts)} of ${n(w.messages)}</title></rect>`,
    );
  });
  parts.push(
    ...xLabels(
      s.weeks.map((w) => w.week),
      left,
      slot,
      height,
    ),
  );
  const top = [...s.weeks].sort((a, b) => b.attempts - a.attempts).slice(0, 5);
  const rows = top
    .map(
      (w) =>
        `<tr><td>${escapeHtml(w.week)}</td><td class="num">${n(w.attempts)}</td><td class="num">${n(w.messages)}</td><td class="num">${pct(
          w.attempts,
          w.messages,
        )}</td><td>${examples(w.examples)}</td></tr>`,
    )
    .join("");
  return `<svg viewBox="0 0 ${width} ${height + 30}" role="img" aria-label="violations per week">${parts.join("")}</svg>
<p class="note">Messages with a violation under the policy, per week starting Monday. The busiest weeks:</p>
<table><tr><th>week of</th><th class="num">attempts</th><th class="num">messages</th><th class="num">share</th><th></th></tr>${rows}</table>`;
}

function axis(max: number, left: number, width: number, height: number): string {
  const top = 10;
  return [
    `<line x1="${left}" y1="${height}" x2="${width}" y2="${height}" stroke="#9aa3ab"/>`,
    `<line x1="${left}" y1="${top}" x2="${width}" y2="${top}" stroke="#eceef0"/>`,
    `<text x="${left - 6}" y="${height}" text-anchor="end">0</text>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end">${n(max)}</text>`,
  ].join("");
}

function xLabels(labels: readonly string[], left: number, slot: number, height: number): string[] {
  const every = Math.max(1, Math.ceil(labels.length / 8));
  return labels.flatMap((label, i) =>
    i % every === 0 || i === labels.length - 1
      ? [`<text x="${(left + i * slot).toFixed(1)}" y="${height + 16}">${escapeHtml(label)}</text>`]
      : [],
  );
}

function ranked(items: readonly Ranked[], what: string): string {
  if (items.length === 0) return `<p class="note">None.</p>`;
  const max = Math.max(1, ...items.map((i) => i.count));
  const rowH = 20;
  const labelW = 160;
  const width = 900;
  const bars = items
    .map((item, i) => {
      const w = ((width - labelW - 80) * item.count) / max;
      const y = i * rowH;
      return `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(item.key)}</text><rect x="${labelW}" y="${y + 3}" width="${w.toFixed(
        1,
      )}" height="${rowH - 6}" fill="#5b8db8"/><text x="${(labelW + w + 6).toFixed(1)}" y="${y + 14}">${n(item.count)}</text>`;
    })
    .join("");
  const rows = items
    .map(
      (item) =>
        `<tr><td><code>${escapeHtml(item.key)}</code></td><td class="num">${n(item.count)}</td><td>${examples(item.examples)}</td></tr>`,
    )
    .join("");
  return `<svg viewBox="0 0 ${width} ${items.length * rowH}" role="img" aria-label="messages per ${escapeHtml(what)}">${bars}</svg>
<table><tr><th>${escapeHtml(what)}</th><th class="num">messages</th><th></th></tr>${rows}</table>`;
}

function clusters(s: PolicySummary): string {
  if (s.clusters.length === 0)
    return `<p class="note">No contact or payment detail was sent by two or more senders (${n(s.handles.distinct)} distinct values seen).</p>`;
  const rows = s.clusters
    .map(
      (c) =>
        `<tr><td><code>${escapeHtml(c.hash)}</code></td><td>${escapeHtml(c.kinds.join(", "))}</td><td class="num">${c.senders.length}${
          c.moreSenders ? "+" : ""
        }</td><td>${escapeHtml(c.senders.join(", "))}</td><td class="num">${n(c.messages)}</td><td>${examples(c.examples)}</td></tr>`,
    )
    .join("");
  return `<p class="note">${n(s.handles.linked)} of ${n(s.handles.distinct)} distinct handle values were sent by two or more senders. A value is shown only as the first 12 hex digits of its HMAC-SHA256 under this run's key (LEAKGUARD_HANDLE_KEY when set).${
    s.handles.untracked > 0
      ? ` ${n(s.handles.untracked)} handle sightings came after the tracking cap and are not linked.`
      : ""
  }</p>
<table><tr><th>handle hash</th><th>kinds</th><th class="num">senders</th><th>who</th><th class="num">messages</th><th></th></tr>${rows}</table>`;
}

function comparison(report: BacktestReport): string {
  const c = report.comparison;
  if (c === undefined) return "";
  const other = report.summaries[1];
  const rows = c.changes
    .map(
      (ch) =>
        `<tr><td>${escapeHtml(ch.direction)}</td><td>${ch.stricter ? "stricter" : "looser"}</td><td class="num">${n(ch.count)}</td><td>${
          ch.examples.length === 0
            ? ""
            : `<details><summary>examples (${ch.examples.length})</summary>${ch.examples
                .map(
                  (e) =>
                    `${example(e).replace(
                      "</span>",
                      ` → ${escapeHtml(e.to)}${e.toRules.length > 0 ? ` [${escapeHtml(e.toRules.join(", "))}]` : ""}</span>`,
                    )}`,
                )
                .join("")}</details>`
        }</td></tr>`,
    )
    .join("");
  const mix = (s: PolicySummary | undefined): string =>
    s === undefined ? "" : VERDICTS.map((v) => `${v} ${n(s.verdicts[v])}`).join(" · ");
  return `<p><code>${escapeHtml(c.base)}</code>: ${escapeHtml(mix(report.summaries[0]))}<br><code>${escapeHtml(c.other)}</code>: ${escapeHtml(
    mix(other),
  )}</p>
<p>${n(c.changed)} of ${n(c.messages)} messages (${pct(c.changed, c.messages)}) get another verdict.</p>
${rows === "" ? "" : `<table><tr><th>change</th><th></th><th class="num">messages</th><th></th></tr>${rows}</table>`}`;
}

function labels(report: BacktestReport): string {
  const l = report.labels;
  if (l === undefined) return "";
  const f = (v: number | null): string => (v === null ? "-" : v.toFixed(3));
  const cells = (s: Scores): string =>
    [f(s.precision), f(s.recall), f(s.falsePositiveRate), n(s.tp), n(s.fp), n(s.fn), n(s.tn)]
      .map((c) => `<td class="num">${c}</td>`)
      .join("");
  const rows = l.scores
    .flatMap((s) => [
      `<tr><td><code>${escapeHtml(s.policy)}</code></td><td>overall (violation)</td>${cells(s.overall)}</tr>`,
      ...Object.entries(s.rules).map(
        ([rule, sc]) => `<tr><td></td><td>${escapeHtml(rule)}</td>${cells(sc)}</tr>`,
      ),
    ])
    .join("");
  return `<p class="note">${n(l.scores[0]?.labelled ?? 0)} labelled messages replayed (labels ${
    l.source === "file"
      ? `from the --labels file; ${n(l.unmatched)} labels matched no message`
      : "carried by the input lines"
  }). Per rule: whether the result lists the rule, against the label's rules.</p>
<table><tr><th>policy</th><th>rule</th><th class="num">precision</th><th class="num">recall</th><th class="num">FP rate</th><th class="num">tp</th><th class="num">fp</th><th class="num">fn</th><th class="num">tn</th></tr>${rows}</table>`;
}

function inputSection(report: BacktestReport): string {
  const { input, replay } = report;
  const errors = input.lineErrors
    .map(
      (e) =>
        `<tr><td class="num">${e.line}</td><td><code>${escapeHtml(e.code)}</code></td><td>${escapeHtml(e.message)}</td></tr>`,
    )
    .join("");
  return `<p>${n(input.lines)} lines, ${n(input.messages)} messages replayed, ${n(input.badLines)} bad lines skipped. ${n(
    replay.conversationsOpened,
  )} conversation states opened, at most ${n(replay.maxHeld)} held at once (cap ${n(replay.maxConversations)}); ${n(
    replay.evictedIdle,
  )} forgotten after ${replay.idleDays} days idle and ${n(replay.evictedCap)} at the cap; ${n(
    replay.late,
  )} messages arrived out of time order beyond the ${n(replay.reorderWindow)}-message reorder window; ${n(
    replay.stageChanges,
  )} conversations changed stage (their scanner restarted).</p>${
    errors === ""
      ? ""
      : `<table><tr><th class="num">line</th><th>code</th><th>problem</th></tr>${errors}</table>${
          input.badLines > input.lineErrors.length
            ? `<p class="note">First ${input.lineErrors.length} bad lines shown.</p>`
            : ""
        }`
  }`;
}
