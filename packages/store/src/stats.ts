import type { Queryable } from "./db.js";

/**
 * The trust & safety dashboard's figures over the last `days` UTC days
 * (today included), each computed in SQL: messages scanned and their
 * verdicts per day, the rules that fired, cases opened and closed, the time
 * from a case opening to an agent's first action on it, and the estimated
 * leakage (the share of active pairs with a confirmed or suspected
 * off-platform move) per week.
 */

export type VerdictCounts = { allow: number; nudge: number; mask: number; hold: number };

export interface DayStats {
  /** The UTC day, YYYY-MM-DD. */
  day: string;
  /** Messages stored after screening (a nudged draft its sender never confirmed is not a message). */
  scanned: number;
  verdicts: VerdictCounts;
  casesOpened: number;
  casesClosed: number;
  /** Of the cases opened this day, how many an agent has acted on, and the median seconds to that first action. */
  actedCases: number;
  medianSecondsToAction: number | null;
}

export interface WeekLeakage {
  /** The Monday (UTC) the week starts on, YYYY-MM-DD; the first and last weeks are cut to the period. */
  weekStart: string;
  /** Pairs with a message this week (or a confirmation on one of their contracts). */
  activePairs: number;
  /** Pairs with a confirm_off_platform action this week on one of their contracts (not overturned on appeal). */
  confirmedPairs: number;
  /** Other active pairs with a held message this week, or a case opened this week on either side that is unclosed or closed with a sanction. */
  suspectedPairs: number;
  /** (confirmed + suspected) / active, 0 when no pair was active. */
  share: number;
}

export interface Stats {
  /** First and last UTC day of the period, inclusive. */
  from: string;
  to: string;
  days: number;
  daily: DayStats[];
  verdicts: VerdictCounts;
  /** Rules found in the period's messages, by how many messages they fired in, most first (A1-A3 are allowed content). */
  topRules: { rule: string; messages: number }[];
  timeToAction: { medianSeconds: number | null; acted: number; notYetActed: number };
  leakage: WeekLeakage[];
}

/** Sanctions that, closing a case, leave the suspicion standing. */
const SANCTIONS = ["warn", "restrict", "suspend", "remove"] as const;

const DAY_MS = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The period's bounds: from the start of the UTC day `days - 1` days before `now` to the start of tomorrow. */
export function statsPeriod(now: Date, days: number): { from: Date; until: Date; dayKeys: string[] } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (days - 1) * DAY_MS);
  const dayKeys = Array.from({ length: days }, (_, i) => isoDay(new Date(from.getTime() + i * DAY_MS)));
  return { from, until: new Date(today + DAY_MS), dayKeys };
}

/** The UTC day of a timestamptz column, as YYYY-MM-DD. */
const dayOf = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
/** The Monday (UTC) of a timestamptz column's week, as YYYY-MM-DD. */
const weekOf = (column: string) => `to_char(date_trunc('week', ${column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`;

const n = (v: unknown) => Number(v ?? 0);

export async function dashboardStats(db: Queryable, now: Date, days: number): Promise<Stats> {
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new RangeError("days must be 1..365");
  const { from, until, dayKeys } = statsPeriod(now, days);
  const range = [from, until];

  const [messages, rules, opened, closed, actions, leakage] = await Promise.all([
    db.query<{ day: string; verdict: string; count: string }>(
      `SELECT ${dayOf("sent_at")} AS day, verdict, COUNT(*)::text AS count
       FROM messages WHERE sent_at >= $1 AND sent_at < $2
       GROUP BY 1, 2`,
      range,
    ),
    // The stored scan's `rules` (ScreeningRecord in apps/server/src/screening.ts): each rule once per message.
    db.query<{ rule: string; messages: string }>(
      `SELECT r.rule, COUNT(DISTINCT m.id)::text AS messages
       FROM messages m CROSS JOIN LATERAL jsonb_array_elements_text(
         CASE WHEN jsonb_typeof(m.scan -> 'rules') = 'array' THEN m.scan -> 'rules' ELSE '[]'::jsonb END
       ) AS r(rule)
       WHERE m.sent_at >= $1 AND m.sent_at < $2
       GROUP BY r.rule ORDER BY COUNT(DISTINCT m.id) DESC, r.rule LIMIT 10`,
      range,
    ),
    db.query<{ day: string; count: string }>(
      `SELECT ${dayOf("opened_at")} AS day, COUNT(*)::text AS count
       FROM cases WHERE opened_at >= $1 AND opened_at < $2 GROUP BY 1`,
      range,
    ),
    db.query<{ day: string; count: string }>(
      `SELECT ${dayOf("closed_at")} AS day, COUNT(*)::text AS count
       FROM cases WHERE status = 'closed' AND closed_at >= $1 AND closed_at < $2 GROUP BY 1`,
      range,
    ),
    // Time to action: from a case opening to the first action an agent or admin took on it (the
    // platform's own actions, such as a lapsed question's default, have no actor and do not count).
    // Grouped by the day the case opened; the period's total row has day NULL (GROUPING SETS).
    db.query<{ day: string | null; acted: string; waiting: string; median: string | null }>(
      `WITH first_action AS (
         SELECT c.id, c.opened_at,
           (SELECT MIN(a.at) FROM case_actions a WHERE a.case_id = c.id AND a.actor_id IS NOT NULL) AS acted_at
         FROM cases c WHERE c.opened_at >= $1 AND c.opened_at < $2
       )
       SELECT ${dayOf("opened_at")} AS day,
         COUNT(acted_at)::text AS acted,
         (COUNT(*) - COUNT(acted_at))::text AS waiting,
         (percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (acted_at - opened_at))))::text AS median
       FROM first_action
       GROUP BY GROUPING SETS ((${dayOf("opened_at")}), ())`,
      range,
    ),
    db.query<{ week: string; active: string; confirmed: string; suspected: string }>(
      `WITH active AS (
         SELECT DISTINCT ${weekOf("m.sent_at")} AS week, m.relationship_id AS pair
         FROM messages m WHERE m.sent_at >= $1 AND m.sent_at < $2
       ),
       confirmed AS (
         SELECT DISTINCT ${weekOf("a.at")} AS week, r.id AS pair
         FROM case_actions a
         JOIN contracts k ON k.id = a.details ->> 'contractId'
         JOIN relationships r ON r.client_id = k.client_id AND r.freelancer_id = k.freelancer_id
         WHERE a.kind = 'confirm_off_platform' AND a.at >= $1 AND a.at < $2
           AND NOT EXISTS (SELECT 1 FROM appeals p WHERE p.action_id = a.id AND p.decision = 'overturned')
       ),
       suspected AS (
         SELECT ${weekOf("m.sent_at")} AS week, m.relationship_id AS pair
         FROM messages m WHERE m.verdict = 'hold' AND m.sent_at >= $1 AND m.sent_at < $2
         UNION
         SELECT x.week, x.pair
         FROM cases c
         JOIN relationships r ON c.subject_id IN (r.client_id, r.freelancer_id)
         JOIN active x ON x.pair = r.id AND x.week = ${weekOf("c.opened_at")}
         WHERE c.opened_at >= $1 AND c.opened_at < $2
           AND (c.status <> 'closed' OR c.resolution IN (${SANCTIONS.map((s) => `'${s}'`).join(", ")}))
       ),
       pairs AS (SELECT week, pair FROM active UNION SELECT week, pair FROM confirmed)
       SELECT p.week,
         COUNT(*)::text AS active,
         COUNT(*) FILTER (WHERE p.pair IN (SELECT pair FROM confirmed c WHERE c.week = p.week))::text AS confirmed,
         COUNT(*) FILTER (WHERE p.pair NOT IN (SELECT pair FROM confirmed c WHERE c.week = p.week)
           AND p.pair IN (SELECT pair FROM suspected s WHERE s.week = p.week))::text AS suspected
       FROM pairs p GROUP BY p.week`,
      range,
    ),
  ]);

  const empty = (): VerdictCounts => ({ allow: 0, nudge: 0, mask: 0, hold: 0 });
  const byDay = new Map<string, DayStats>(
    dayKeys.map((day) => [
      day,
      {
        day,
        scanned: 0,
        verdicts: empty(),
        casesOpened: 0,
        casesClosed: 0,
        actedCases: 0,
        medianSecondsToAction: null,
      },
    ]),
  );
  const verdicts = empty();
  for (const r of messages.rows) {
    const d = byDay.get(r.day);
    const count = n(r.count);
    if (d !== undefined) d.scanned += count;
    if (r.verdict in verdicts) {
      const v = r.verdict as keyof VerdictCounts;
      verdicts[v] += count;
      if (d !== undefined) d.verdicts[v] += count;
    }
  }
  for (const r of opened.rows) {
    const d = byDay.get(r.day);
    if (d !== undefined) d.casesOpened = n(r.count);
  }
  for (const r of closed.rows) {
    const d = byDay.get(r.day);
    if (d !== undefined) d.casesClosed = n(r.count);
  }
  let timeToAction: Stats["timeToAction"] = { medianSeconds: null, acted: 0, notYetActed: 0 };
  for (const r of actions.rows) {
    const median = r.median === null ? null : Math.round(Number(r.median));
    if (r.day === null)
      timeToAction = { medianSeconds: median, acted: n(r.acted), notYetActed: n(r.waiting) };
    else {
      const d = byDay.get(r.day);
      if (d !== undefined) {
        d.actedCases = n(r.acted);
        d.medianSecondsToAction = median;
      }
    }
  }

  // Every week the period touches, Monday first, even one with no active pair.
  const weeks = new Map<string, WeekLeakage>();
  for (const day of dayKeys) {
    const t = Date.parse(`${day}T00:00:00Z`);
    const monday = isoDay(new Date(t - ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS));
    if (!weeks.has(monday))
      weeks.set(monday, {
        weekStart: monday,
        activePairs: 0,
        confirmedPairs: 0,
        suspectedPairs: 0,
        share: 0,
      });
  }
  for (const r of leakage.rows) {
    const w = weeks.get(r.week);
    if (w === undefined) continue;
    w.activePairs = n(r.active);
    w.confirmedPairs = n(r.confirmed);
    w.suspectedPairs = n(r.suspected);
    w.share = w.activePairs === 0 ? 0 : (w.confirmedPairs + w.suspectedPairs) / w.activePairs;
  }

  return {
    from: dayKeys[0] ?? isoDay(from),
    to: dayKeys.at(-1) ?? isoDay(from),
    days,
    daily: [...byDay.values()],
    verdicts,
    topRules: rules.rows.map((r) => ({ rule: r.rule, messages: n(r.messages) })),
    timeToAction,
    leakage: [...weeks.values()],
  };
}
