import type { CountryCode } from "libphonenumber-js/max";
import { decide, isDetail, policyOf, regionHints, type ScanOptions, scanWith } from "./scan.js";
import type { Finding, ScanResult } from "./types.js";

export interface ConversationMessage {
  /** Who sent it: any stable id ("client", "freelancer", a user id). */
  from: string;
  text: string;
}

export interface ConversationScanner {
  /** Scans the next message; its result also reports details completed by this message together with the sender's previous ones. */
  push(message: ConversationMessage): ScanResult;
}

interface SenderState {
  /** The sender's recent messages, oldest first, within the assembly window. */
  recent: string[];
  /** Handles already reported for this sender, so an assembled detail is reported once. */
  reported: Set<string>;
}

/**
 * Scans a conversation in order. Details split across several messages of one
 * sender ("555" / "867" / "5309", "jane.roe" / "@gmail.com") are found by
 * scanning the sender's recent messages joined, and reported on the message
 * that completes them, with spans inside that message.
 */
export function createConversationScanner(options: ScanOptions): ConversationScanner {
  const policy = policyOf(options.policy);
  const regions: readonly CountryCode[] = regionHints(options.locale);
  const senders = new Map<string, SenderState>();
  let lastAskFrom: string | null = null;
  let lastAskAge = Number.POSITIVE_INFINITY;

  return {
    push({ from, text }) {
      const state = senders.get(from) ?? { recent: [], reported: new Set<string>() };
      senders.set(from, state);
      // The other party asked for a contact detail in the last few messages: digits now are likely a phone.
      const contactPrimed = lastAskFrom !== null && lastAskFrom !== from && lastAskAge <= 3;
      const single = scanWith(text, options.stage, policy, regions, { contactPrimed });
      lastAskAge++;
      if (single.detection?.asksForContact === true) {
        lastAskFrom = from;
        lastAskAge = 0;
      }
      let result: ScanResult = stripDetection(single);
      if (single.error === undefined && state.recent.length > 0) {
        const assembled = assemble(state.recent, text, options, policy, regions, contactPrimed);
        const fresh = assembled.filter(
          (f) =>
            !single.handles.includes(`${f.kind}:${f.value}`) && !state.reported.has(`${f.kind}:${f.value}`),
        );
        if (fresh.length > 0) {
          const findings = [
            ...single.findings,
            ...fresh.map((f) => ({ ...f, reasons: [...(f.reasons ?? []), "assembled across messages"] })),
          ];
          result = decide(
            text,
            findings,
            new Set(single.rules.filter((r) => r.startsWith("A"))),
            options.stage,
            policy,
          );
        }
      }
      for (const h of result.handles) state.reported.add(h);
      state.recent.push(text);
      if (state.recent.length > policy.conversation.assemblyWindow - 1) state.recent.shift();
      return result;
    },
  };
}

/** Details found only in the joined messages whose span reaches into the current one, clipped to it. */
function assemble(
  previous: readonly string[],
  current: string,
  options: ScanOptions,
  policy: ReturnType<typeof policyOf>,
  regions: readonly CountryCode[],
  contactPrimed: boolean,
): Finding[] {
  const joined = `${previous.join("\n")}\n${current}`;
  if (joined.length > policy.maxMessageLength) return [];
  const offset = joined.length - current.length;
  const whole = scanWith(joined, options.stage, policy, regions, { contactPrimed });
  const out: Finding[] = [];
  for (const f of whole.findings) {
    if (!isDetail(f) || f.end <= offset || f.start >= offset) continue;
    // Only details that start in an earlier message and end in this one are "completed" here.
    out.push({ ...f, start: 0, end: Math.min(current.length, f.end - offset) });
  }
  return out;
}

function stripDetection(r: ScanResult & { detection?: unknown }): ScanResult {
  const rest = { ...r };
  delete rest.detection;
  return rest;
}
