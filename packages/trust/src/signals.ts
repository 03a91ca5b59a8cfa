import type { SignalTuning } from "@leakguard/domain";

/**
 * Red-flag signals and the risk they add up to. A signal is an event about a
 * user (and, when it concerns one, a pair) with a time; its weight fades with
 * its half-life, so old behaviour counts less than new. Pure: the server
 * records the events, this scores them.
 */

export type SignalId =
  | "contact_before_contract"
  | "off_platform_payment_proposed"
  | "details_split_across_messages"
  | "nudge_overridden"
  | "handle_shared_across_accounts"
  | "silence_after_contact_exchange"
  | "contract_ended_after_contact_exchange"
  | "hourly_time_stopped_while_talking"
  | "counterparty_report"
  | "new_account_contact_burst";

export interface SignalDefinition {
  id: SignalId;
  /** Points one fresh occurrence adds before the score's saturation (see riskOf). */
  weight: number;
  /** After this many days an occurrence counts half, after twice as many a quarter. */
  halfLifeDays: number;
  /** What an agent (and the user, on appeal) reads. */
  explanation: string;
}

export const SIGNALS: Readonly<Record<SignalId, SignalDefinition>> = Object.freeze({
  contact_before_contract: {
    id: "contact_before_contract",
    weight: 12,
    halfLifeDays: 30,
    explanation: "Shared direct contact details before any contract with the other party.",
  },
  off_platform_payment_proposed: {
    id: "off_platform_payment_proposed",
    weight: 30,
    halfLifeDays: 60,
    explanation: "Proposed, asked for or agreed to payment outside the platform.",
  },
  details_split_across_messages: {
    id: "details_split_across_messages",
    weight: 18,
    halfLifeDays: 45,
    explanation:
      "Spread a contact or payment detail across several messages, a common way to evade detection.",
  },
  nudge_overridden: {
    id: "nudge_overridden",
    weight: 5,
    halfLifeDays: 14,
    explanation: "Sent a message anyway after a policy reminder.",
  },
  handle_shared_across_accounts: {
    id: "handle_shared_across_accounts",
    weight: 25,
    halfLifeDays: 90,
    explanation: "Uses a phone, email or payment handle that other accounts also use.",
  },
  silence_after_contact_exchange: {
    id: "silence_after_contact_exchange",
    weight: 20,
    halfLifeDays: 45,
    explanation:
      "A long conversation before any contract stopped right after contact details were exchanged.",
  },
  contract_ended_after_contact_exchange: {
    id: "contract_ended_after_contact_exchange",
    weight: 25,
    halfLifeDays: 60,
    explanation: "Ended a contract within days of exchanging contact details, with little or nothing paid.",
  },
  hourly_time_stopped_while_talking: {
    id: "hourly_time_stopped_while_talking",
    weight: 15,
    halfLifeDays: 30,
    explanation: "Logged hourly time fell to zero while the conversation went on.",
  },
  counterparty_report: {
    id: "counterparty_report",
    weight: 20,
    halfLifeDays: 60,
    explanation: "The other party reported a request to take work or payment off the platform.",
  },
  new_account_contact_burst: {
    id: "new_account_contact_burst",
    weight: 25,
    halfLifeDays: 30,
    explanation: "A new account sent contact details to many freelancers in its first messages.",
  },
});

export interface SignalEvent {
  signal: SignalId;
  at: Date;
  /** How much this occurrence counts, 0 to 1 (a report by a reporter often dismissed counts less); 1 when absent. */
  weight?: number;
}

export interface RiskContribution {
  signal: SignalId;
  /** Points, after decay, before saturation. */
  points: number;
  occurrences: number;
  explanation: string;
}

export interface Risk {
  /** 0 to 100. */
  score: number;
  /** The signals that contribute most, largest first. */
  top: RiskContribution[];
}

/** Decayed points at which the score reaches 63 (1 - 1/e): a few strong signals, not one, make a high risk. */
const SATURATION = 60;

/**
 * The risk of a user or a pair at `now`: each event's weight, halved every
 * half-life since it happened (future events count in full), summed per
 * signal, then saturated to 0-100 so the score grows quickly at first and
 * never passes 100.
 */
export function riskOf(events: readonly SignalEvent[], now: Date, top = 3, tuning?: SignalTuning): Risk {
  const bySignal = new Map<SignalId, { points: number; occurrences: number }>();
  for (const e of events) {
    // A policy file may re-weigh a signal or change its half-life; the explanation stays the catalogue's.
    const def = { ...SIGNALS[e.signal], ...tuning?.[e.signal] };
    const ageDays = Math.max(0, (now.getTime() - e.at.getTime()) / 86_400_000);
    const points = def.weight * (e.weight ?? 1) * 0.5 ** (ageDays / def.halfLifeDays);
    const entry = bySignal.get(e.signal) ?? { points: 0, occurrences: 0 };
    entry.points += points;
    entry.occurrences++;
    bySignal.set(e.signal, entry);
  }
  let total = 0;
  for (const v of bySignal.values()) total += v.points;
  const contributions = [...bySignal.entries()]
    .map(([signal, v]) => ({
      signal,
      points: Math.round(v.points * 10) / 10,
      occurrences: v.occurrences,
      explanation: SIGNALS[signal].explanation,
    }))
    .sort((a, b) => b.points - a.points || a.signal.localeCompare(b.signal));
  return { score: Math.round(100 * (1 - Math.exp(-total / SATURATION))), top: contributions.slice(0, top) };
}

export function isSignalId(s: string): s is SignalId {
  return Object.hasOwn(SIGNALS, s);
}

/** riskOf over recorded events, whose signal ids are plain strings: ids this version does not know are left out. */
export function riskOfRecorded(
  events: readonly { signal: string; at: Date; weight?: number }[],
  now: Date,
  top = 3,
  tuning?: SignalTuning,
): Risk {
  return riskOf(
    events.flatMap((e) =>
      isSignalId(e.signal)
        ? [{ signal: e.signal, at: e.at, ...(e.weight === undefined ? {} : { weight: e.weight }) }]
        : [],
    ),
    now,
    top,
    tuning,
  );
}
