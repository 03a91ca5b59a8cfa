import { useState } from "react";
import type { Client } from "../shared/api.js";
import { useLoad } from "../shared/hooks.js";
import { BarChart, LineChart } from "./charts.js";

type Verdicts = { allow: number; nudge: number; mask: number; hold: number };
interface Stats {
  from: string;
  to: string;
  days: number;
  daily: {
    day: string;
    scanned: number;
    verdicts: Verdicts;
    casesOpened: number;
    casesClosed: number;
    actedCases: number;
    medianSecondsToAction: number | null;
  }[];
  verdicts: Verdicts;
  topRules: { rule: string; messages: number }[];
  timeToAction: { medianSeconds: number | null; acted: number; notYetActed: number };
  leakage: {
    weekStart: string;
    activePairs: number;
    confirmedPairs: number;
    suspectedPairs: number;
    share: number;
  }[];
}

const COLORS = {
  allow: "#1b7f4c",
  nudge: "#b58100",
  mask: "#d0631f",
  hold: "#b3261e",
  opened: "#2f5bd3",
  closed: "#1b7f4c",
  confirmed: "#b3261e",
  suspected: "#e0a030",
} as const;
const VERDICTS = ["allow", "nudge", "mask", "hold"] as const;

/** Rules, as the engine names them (the policy page says what each forbids). */
const RULE_NAMES: Record<string, string> = {
  P1: "P1 payment outside",
  P2: "P2 end and continue outside",
  C1: "C1 contact details",
  C2: "C2 move to another channel",
  A1: "A1 work links (allowed)",
  A2: "A2 brand as the work (allowed)",
  A3: "A3 other numbers (allowed)",
};

/** "Nov 23" from "2026-11-23", in UTC (the buckets are UTC days). */
const short = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString("en", { month: "short", day: "numeric", timeZone: "UTC" });
const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;
const hours = (v: number) => (v < 10 ? `${v.toFixed(1)} h` : `${Math.round(v)} h`);
function duration(seconds: number | null): string {
  if (seconds === null) return "–";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

/** The trust & safety dashboard: volumes, verdicts, rules, cases, time to action and estimated leakage over time. */
export function Dashboard({ api }: { api: Client }) {
  const [days, setDays] = useState(30);
  const stats = useLoad(() => api.get<Stats>(`/v1/stats?days=${days}`), [days]);
  const s = stats.data;
  const sum = (f: (d: Stats["daily"][number]) => number) => (s?.daily ?? []).reduce((t, d) => t + f(d), 0);
  const lastWeek = s?.leakage.at(-1);
  return (
    <main>
      <h1>Dashboard</h1>
      <div className="row card">
        <label>
          Period
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={7}>last 7 days</option>
            <option value={30}>last 30 days</option>
            <option value={90}>last 90 days</option>
            <option value={365}>last 365 days</option>
          </select>
        </label>
        {s !== undefined && (
          <p className="muted" style={{ margin: 0 }}>
            {s.from} to {s.to}, UTC days
          </p>
        )}
      </div>
      {stats.error !== undefined && <p className="error">{stats.error.message}</p>}
      {s === undefined ? (
        stats.error === undefined && <p className="muted">Loading…</p>
      ) : (
        <>
          <section className="card counts" aria-label="Totals for the period">
            <div>
              <b data-testid="total-scanned">{sum((d) => d.scanned)}</b>messages scanned
            </div>
            <div>
              <b>{s.verdicts.hold}</b>held
            </div>
            <div>
              <b>{sum((d) => d.casesOpened)}</b>cases opened
            </div>
            <div>
              <b>{sum((d) => d.casesClosed)}</b>cases closed
            </div>
            <div>
              <b data-testid="median-time-to-action">{duration(s.timeToAction.medianSeconds)}</b>median time
              to action ({s.timeToAction.acted} acted on, {s.timeToAction.notYetActed} not yet)
            </div>
            <div>
              <b>{lastWeek === undefined ? "–" : pct(lastWeek.share)}</b>estimated leakage this week
            </div>
          </section>
          <div className="grid charts">
            <section className="card">
              <BarChart
                title="Messages scanned per day, by verdict"
                desc={`Messages screened and stored each UTC day from ${s.from} to ${s.to}, stacked by the verdict: allow, nudge (sent after a reminder), mask, hold.`}
                labels={s.daily.map((d) => short(d.day))}
                series={VERDICTS.map((v) => ({
                  key: v,
                  label: v,
                  color: COLORS[v],
                  values: s.daily.map((d) => d.verdicts[v]),
                }))}
                stacked
                xLabel="day (UTC)"
                yLabel="messages"
                integers
              />
            </section>
            <section className="card">
              <BarChart
                title="Verdict mix"
                desc={`The share of each verdict among the ${sum((d) => d.scanned)} messages of the period.`}
                labels={[...VERDICTS]}
                series={[
                  {
                    key: "share",
                    label: "share of messages",
                    color: COLORS.opened,
                    values: VERDICTS.map((v) => {
                      const total = VERDICTS.reduce((t, k) => t + s.verdicts[k], 0);
                      return total === 0 ? 0 : s.verdicts[v] / total;
                    }),
                  },
                ]}
                format={pct}
                xLabel="verdict"
                yLabel="share of messages"
              />
            </section>
            <section className="card">
              <BarChart
                title="Top rules"
                desc="How many of the period's messages each rule fired in, most first. A1 to A3 name allowed content."
                labels={s.topRules.map((r) => r.rule)}
                series={[
                  {
                    key: "messages",
                    label: "messages",
                    color: COLORS.hold,
                    values: s.topRules.map((r) => r.messages),
                  },
                ]}
                xLabel="rule"
                yLabel="messages"
                integers
              />
              <p className="muted">
                {s.topRules.length === 0
                  ? "No rule fired in this period."
                  : s.topRules.map((r) => RULE_NAMES[r.rule] ?? r.rule).join("; ")}
              </p>
            </section>
            <section className="card">
              <LineChart
                title="Cases opened and closed per day"
                desc={`Cases opened and cases closed each UTC day from ${s.from} to ${s.to}.`}
                labels={s.daily.map((d) => short(d.day))}
                series={[
                  {
                    key: "opened",
                    label: "opened",
                    color: COLORS.opened,
                    values: s.daily.map((d) => d.casesOpened),
                  },
                  {
                    key: "closed",
                    label: "closed",
                    color: COLORS.closed,
                    values: s.daily.map((d) => d.casesClosed),
                  },
                ]}
                xLabel="day (UTC)"
                yLabel="cases"
                integers
              />
            </section>
            <section className="card">
              <LineChart
                title="Median time to action"
                desc="For the cases opened each day, the median time from the case opening to an agent's first action on it, in hours; days with no case acted on have no point."
                labels={s.daily.map((d) => short(d.day))}
                series={[
                  {
                    key: "median",
                    label: "median hours to first action",
                    color: COLORS.opened,
                    values: s.daily.map((d) =>
                      d.medianSecondsToAction === null ? null : d.medianSecondsToAction / 3600,
                    ),
                  },
                ]}
                format={hours}
                xLabel="day the case opened (UTC)"
                yLabel="hours"
              />
            </section>
            <section className="card">
              <BarChart
                title="Estimated leakage per week"
                desc="The share of the week's active pairs (a message that week) with a confirmed off-platform move (an agent confirmed it on one of their contracts) or a suspected one (a held message, or a case on either side still open or closed with a sanction). The first and last weeks are cut to the period."
                labels={s.leakage.map((w) => `wk ${short(w.weekStart)}`)}
                series={[
                  {
                    key: "confirmed",
                    label: "confirmed",
                    color: COLORS.confirmed,
                    values: s.leakage.map((w) =>
                      w.activePairs === 0 ? 0 : w.confirmedPairs / w.activePairs,
                    ),
                  },
                  {
                    key: "suspected",
                    label: "suspected",
                    color: COLORS.suspected,
                    values: s.leakage.map((w) =>
                      w.activePairs === 0 ? 0 : w.suspectedPairs / w.activePairs,
                    ),
                  },
                ]}
                stacked
                format={pct}
                xLabel="week (starting Monday, UTC)"
                yLabel="share of active pairs"
              />
            </section>
          </div>
        </>
      )}
    </main>
  );
}
