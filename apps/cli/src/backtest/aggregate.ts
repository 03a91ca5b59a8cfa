import { createHmac } from "node:crypto";
import type { ScanResult, Verdict } from "@leakguard/detect";
import { DistinctCounter } from "./distinct.js";
import type { HistoryMessage } from "./history.js";

export const VERDICTS: readonly Verdict[] = ["allow", "nudge", "mask", "hold"];
const DAY_MS = 86_400_000;

/** A message shown behind a number: its text as the engine masks it (details hidden), never the raw handle. */
export interface Example {
  id: string;
  conversation: string;
  sender: string;
  time: number | null;
  verdict: Verdict;
  rules: string[];
  masked: string;
}

export interface Count {
  count: number;
  /** False once the count is a HyperLogLog estimate (past the exact limit). */
  exact: boolean;
}

export interface Ranked {
  key: string;
  count: number;
  examples: Example[];
}

export interface HandleCluster {
  /** HMAC-SHA256 of the normalised value under the run's key, first 12 hex digits: never the value. */
  hash: string;
  kinds: string[];
  senders: string[];
  /** More senders shared it than are listed. */
  moreSenders: boolean;
  messages: number;
  examples: Example[];
}

export interface PolicySummary {
  policy: string;
  messages: number;
  verdicts: Record<Verdict, number>;
  violations: number;
  /** Scan errors (message_too_large, internal_error): each such message fails closed with hold. */
  scanErrors: Record<string, number>;
  verdictExamples: Record<Verdict, Example[]>;
  rules: Ranked[];
  kinds: Ranked[];
  conversations: Count;
  conversationsAffected: number;
  senders: Count;
  sendersAffected: Count;
  handles: { distinct: number; linked: number; linkedByKind: Record<string, number>; untracked: number };
  clusters: HandleCluster[];
  days: { day: string; verdicts: Record<Verdict, number> }[];
  weeks: { week: string; messages: number; attempts: number; examples: Example[] }[];
  untimed: number;
}

export interface AggregatorOptions {
  /** Key of the handle hashes (LEAKGUARD_HANDLE_KEY, else random per run). */
  hashKey: string;
  examplesPerBucket?: number;
  /** Distinct handle values tracked for linking; past it new values are only counted. */
  maxHandles?: number;
  /** Senders listed per handle. */
  maxSendersPerHandle?: number;
  clusters?: number;
}

interface HandleState {
  kinds: Set<string>;
  senders: string[];
  moreSenders: boolean;
  messages: number;
  examples: Example[];
}

export interface Aggregator {
  /** `index`: which of the replayed results (policy) to count. */
  add(message: HistoryMessage, result: ScanResult, firstViolation: boolean): void;
  summary(): PolicySummary;
}

export function createAggregator(policy: string, options: AggregatorOptions): Aggregator {
  const perBucket = options.examplesPerBucket ?? 3;
  const maxHandles = options.maxHandles ?? 250_000;
  const maxSenders = options.maxSendersPerHandle ?? 20;
  const verdicts = zeroVerdicts();
  const verdictExamples: Record<Verdict, Example[]> = { allow: [], nudge: [], mask: [], hold: [] };
  const rules = new Map<string, { count: number; examples: Example[] }>();
  const kinds = new Map<string, { count: number; examples: Example[] }>();
  const scanErrors: Record<string, number> = {};
  const conversations = new DistinctCounter();
  const senders = new DistinctCounter();
  const sendersAffected = new DistinctCounter();
  const handles = new Map<string, HandleState>();
  const days = new Map<number, Record<Verdict, number>>();
  const weeks = new Map<number, { messages: number; attempts: number; examples: Example[] }>();
  let messages = 0;
  let violations = 0;
  let conversationsAffected = 0;
  let untracked = 0;
  let untimed = 0;

  const exampleOf = (m: HistoryMessage, r: ScanResult): Example => ({
    id: m.id,
    conversation: m.conversation,
    sender: m.sender,
    time: m.time,
    verdict: r.verdict,
    rules: r.rules,
    masked: r.masked,
  });
  const bump = (
    map: Map<string, { count: number; examples: Example[] }>,
    key: string,
    example: () => Example,
  ): void => {
    let entry = map.get(key);
    if (entry === undefined) {
      entry = { count: 0, examples: [] };
      map.set(key, entry);
    }
    entry.count++;
    if (entry.examples.length < perBucket) entry.examples.push(example());
  };

  return {
    add(m, r, firstViolation) {
      messages++;
      verdicts[r.verdict]++;
      let example: Example | undefined;
      const ex = (): Example => {
        example ??= exampleOf(m, r);
        return example;
      };
      if (verdictExamples[r.verdict].length < perBucket) verdictExamples[r.verdict].push(ex());
      if (r.error !== undefined) scanErrors[r.error.code] = (scanErrors[r.error.code] ?? 0) + 1;
      conversations.add(m.conversation);
      senders.add(m.sender);
      for (const rule of r.rules) bump(rules, rule, ex);
      if (r.findings.length > 0) {
        const seen = new Set<string>();
        for (const f of r.findings)
          if (!seen.has(f.kind)) {
            seen.add(f.kind);
            bump(kinds, f.kind, ex);
          }
      }
      if (r.violation) {
        violations++;
        sendersAffected.add(m.sender);
        if (firstViolation) conversationsAffected++;
      }
      for (const h of r.handles) {
        const colon = h.indexOf(":");
        const kind = h.slice(0, colon);
        const hash = hashValue(options.hashKey, h.slice(colon + 1));
        let state = handles.get(hash);
        if (state === undefined) {
          if (handles.size >= maxHandles) {
            untracked++;
            continue;
          }
          state = { kinds: new Set(), senders: [], moreSenders: false, messages: 0, examples: [] };
          handles.set(hash, state);
        }
        state.kinds.add(kind);
        state.messages++;
        if (!state.senders.includes(m.sender)) {
          if (state.senders.length < maxSenders) state.senders.push(m.sender);
          else state.moreSenders = true;
        }
        if (state.examples.length < perBucket) state.examples.push(ex());
      }
      if (m.time === null) untimed++;
      else {
        const day = Math.floor(m.time / DAY_MS);
        let d = days.get(day);
        if (d === undefined) {
          d = zeroVerdicts();
          days.set(day, d);
        }
        d[r.verdict]++;
        // Weeks start on Monday (1970-01-01, day 0, was a Thursday).
        const week = day - ((day + 3) % 7);
        let w = weeks.get(week);
        if (w === undefined) {
          w = { messages: 0, attempts: 0, examples: [] };
          weeks.set(week, w);
        }
        w.messages++;
        if (r.violation) {
          w.attempts++;
          if (w.examples.length < perBucket) w.examples.push(ex());
        }
      }
    },
    summary() {
      const linkedByKind: Record<string, number> = {};
      const linked: HandleCluster[] = [];
      for (const [hash, s] of handles) {
        if (s.senders.length < 2) continue;
        const kindList = [...s.kinds].sort();
        for (const k of kindList) linkedByKind[k] = (linkedByKind[k] ?? 0) + 1;
        linked.push({
          hash,
          kinds: kindList,
          senders: s.senders,
          moreSenders: s.moreSenders,
          messages: s.messages,
          examples: s.examples,
        });
      }
      linked.sort(
        (a, b) => b.senders.length - a.senders.length || b.messages - a.messages || cmp(a.hash, b.hash),
      );
      const ranked = (map: Map<string, { count: number; examples: Example[] }>): Ranked[] =>
        [...map]
          .map(([key, v]) => ({ key, count: v.count, examples: v.examples }))
          .sort((a, b) => b.count - a.count || cmp(a.key, b.key));
      const count = (c: DistinctCounter): Count => ({ count: c.count, exact: c.exact });
      return {
        policy,
        messages,
        verdicts: { ...verdicts },
        violations,
        scanErrors: { ...scanErrors },
        verdictExamples,
        rules: ranked(rules),
        kinds: ranked(kinds),
        conversations: count(conversations),
        conversationsAffected,
        senders: count(senders),
        sendersAffected: count(sendersAffected),
        handles: { distinct: handles.size, linked: linked.length, linkedByKind, untracked },
        clusters: linked.slice(0, options.clusters ?? 10),
        days: [...days]
          .sort((a, b) => a[0] - b[0])
          .map(([day, v]) => ({ day: isoDay(day), verdicts: { ...v } })),
        weeks: [...weeks].sort((a, b) => a[0] - b[0]).map(([week, v]) => ({ week: isoDay(week), ...v })),
        untimed,
      };
    },
  };
}

export function hashValue(key: string, value: string): string {
  return createHmac("sha256", key).update(value).digest("hex").slice(0, 12);
}

function zeroVerdicts(): Record<Verdict, number> {
  return { allow: 0, nudge: 0, mask: 0, hold: 0 };
}

function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
