import type { Queryable } from "./db.js";

export interface ShadowReport {
  since: Date;
  /** Messages judged by both policies in the period. */
  total: number;
  agree: number;
  /** Where they differ: live verdict → candidate verdict, most frequent first. */
  byDirection: { live: string; candidate: string; count: number }[];
  /** The policy pairs seen (a candidate can change during the period). */
  policies: { live: string; candidate: string; count: number }[];
  /** The latest disagreements, for a person to read. */
  examples: {
    messageId: string;
    live: string;
    candidate: string;
    rules: string[];
    stage: string;
    at: Date;
  }[];
}

/** How a candidate policy run in shadow compares with the live one since `since`. */
export async function shadowReport(db: Queryable, since: Date, examples = 20): Promise<ShadowReport> {
  const [totals, directions, policies, rows] = await Promise.all([
    db.query<{ total: string; agree: string }>(
      `SELECT COUNT(*)::text AS total, COUNT(*) FILTER (WHERE live_verdict = candidate_verdict)::text AS agree
       FROM shadow_verdicts WHERE at >= $1`,
      [since],
    ),
    db.query<{ live_verdict: string; candidate_verdict: string; n: string }>(
      `SELECT live_verdict, candidate_verdict, COUNT(*)::text AS n FROM shadow_verdicts
       WHERE at >= $1 AND live_verdict <> candidate_verdict
       GROUP BY live_verdict, candidate_verdict ORDER BY COUNT(*) DESC, live_verdict, candidate_verdict`,
      [since],
    ),
    db.query<{ live_policy: string; candidate_policy: string; n: string }>(
      `SELECT live_policy, candidate_policy, COUNT(*)::text AS n FROM shadow_verdicts WHERE at >= $1
       GROUP BY live_policy, candidate_policy ORDER BY COUNT(*) DESC`,
      [since],
    ),
    db.query<{
      message_id: string;
      live_verdict: string;
      candidate_verdict: string;
      candidate_rules: string[];
      stage: string;
      at: Date;
    }>(
      `SELECT message_id, live_verdict, candidate_verdict, candidate_rules, stage, at FROM shadow_verdicts
       WHERE at >= $1 AND live_verdict <> candidate_verdict ORDER BY at DESC, message_id LIMIT $2`,
      [since, examples],
    ),
  ]);
  return {
    since,
    total: Number(totals.rows[0]?.total ?? 0),
    agree: Number(totals.rows[0]?.agree ?? 0),
    byDirection: directions.rows.map((r) => ({
      live: r.live_verdict,
      candidate: r.candidate_verdict,
      count: Number(r.n),
    })),
    policies: policies.rows.map((r) => ({
      live: r.live_policy,
      candidate: r.candidate_policy,
      count: Number(r.n),
    })),
    examples: rows.rows.map((r) => ({
      messageId: r.message_id,
      live: r.live_verdict,
      candidate: r.candidate_verdict,
      rules: r.candidate_rules,
      stage: r.stage,
      at: new Date(r.at),
    })),
  };
}
