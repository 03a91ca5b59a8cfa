import type { CountryCode } from "libphonenumber-js/max";
import { EMAIL_APPS, PHONE_APPS } from "./kinds.js";
import type { ChannelKind } from "./lexicon.js";
import { copyOfResult, detailsOf, type MessageScan, messageScanOf, type ScanMemo } from "./memo.js";
import type { Policy } from "./policy.js";
import {
  decide,
  failClosed,
  type MessageContext,
  policyOf,
  regionHints,
  type ScanOptions,
  scanWith,
} from "./scan.js";
import type { Finding, ScanResult } from "./types.js";

export interface ConversationMessage {
  /** Who sent it: any stable id ("client", "freelancer", a user id). */
  from: string;
  text: string;
}

export interface ConversationScanner {
  /** Scans the next message; its result also reports details completed by this message together with the sender's previous ones. */
  push(message: ConversationMessage): ScanResult;
  /**
   * An independent copy that has read the same messages: pushing to one does
   * not change the other. Lets a caller read a conversation once and judge
   * several candidate next messages against it. With `settings`, the copy
   * works with those instead of the original's (`{}`: no memo, for texts
   * judged once and never part of the conversation, such as a draft).
   */
  fork(settings?: ConversationScannerSettings): ConversationScanner;
}

interface SenderState {
  /** The sender's recent messages, oldest first, within the assembly window. */
  recent: string[];
  /** Handles already reported for this sender, so an assembled detail is reported once. */
  reported: Set<string>;
}

/** Channels whose handle can be a phone or an email: the ones a bare detail in the next turn may belong to. */
const HINTABLE: ReadonlySet<ChannelKind> = new Set([...PHONE_APPS, ...EMAIL_APPS]);
/** A number pieced together from short messages (a phone, an app's phone handle) needs more digits than one typed whole: "917" + "0142" is no number. */
const MIN_ASSEMBLED_PHONE_DIGITS = 9;
/**
 * How far back into the sender's earlier messages (UTF-16 units, from where
 * this message starts) the joined text reaches. A detail completed by this
 * message began just before it: over the labelled conversations and 3,000
 * random ones pieced from corpus lines and their fragments, the longest reach
 * was 55 units, and every verdict, handle and span came out the same with 200
 * as with the whole window. Reading no further keeps the joined scan near
 * the message's own size, not six messages' worth: the engine's part of a
 * pre-send check in a 20-message conversation of corpus lines went from
 * 300-315 µs to 220-270 µs (this machine, 2 cores, Node 20).
 */
const ASSEMBLY_REACH = 256;

/**
 * Scans a conversation in order. Details split across several messages of one
 * sender ("555" / "867" / "5309", "jane.roe" / "@gmail.com") are found by
 * scanning the sender's recent messages joined, and reported on the message
 * that completes them, with spans inside that message. The turns before a
 * message give it context: a request for contact ("what's your number?"),
 * a channel named ("I can Zelle you, what's your email?"), brands that are
 * the subject of the work ("a Telegram bot").
 */
/** What a conversation scanner remembers of the messages it has read. */
interface ConversationState {
  senders: Map<string, SenderState>;
  workSubjects: Set<ChannelKind>;
  lastAskFrom: string | null;
  lastAskAge: number;
  /** Channels named in the last two messages, most recent last. */
  recentChannels: (readonly ChannelKind[])[];
}

/** How a conversation scanner works, beside what it judges by. */
export interface ConversationScannerSettings {
  /** Scans to reuse, shared with other scanners: see ScanMemo. Results are the same with or without. */
  memo?: ScanMemo;
}

export function createConversationScanner(
  options: ScanOptions,
  settings: ConversationScannerSettings = {},
): ConversationScanner {
  return scannerFrom(options, settings.memo, policyOf(options.policy), regionHints(options.locale), {
    senders: new Map(),
    workSubjects: new Set(),
    lastAskFrom: null,
    lastAskAge: Number.POSITIVE_INFINITY,
    recentChannels: [],
  });
}

function scannerFrom(
  options: ScanOptions,
  memo: ScanMemo | undefined,
  policy: Policy,
  regions: readonly CountryCode[],
  s: ConversationState,
): ConversationScanner {
  return {
    push({ from, text }) {
      try {
        return pushOne(from, text);
      } catch (e) {
        // Never throw on a message: a failure fails closed, like scan().
        return failClosed(
          typeof text === "string" ? text : "",
          "internal_error",
          e instanceof Error ? e.message : String(e),
        );
      }
    },
    fork(settings) {
      return scannerFrom(options, settings === undefined ? memo : settings.memo, policy, regions, {
        senders: new Map(
          [...s.senders].map(([from, st]) => [
            from,
            { recent: [...st.recent], reported: new Set(st.reported) },
          ]),
        ),
        workSubjects: new Set(s.workSubjects),
        lastAskFrom: s.lastAskFrom,
        lastAskAge: s.lastAskAge,
        // Replaced, never changed in place, on every push: sharing the arrays is safe.
        recentChannels: s.recentChannels,
      });
    },
  };

  function pushOne(from: string, text: string): ScanResult {
    const state = s.senders.get(from) ?? { recent: [], reported: new Set<string>() };
    s.senders.set(from, state);
    const context: MessageContext = {
      // The other party asked for a contact detail in the last few messages: digits now are likely a phone.
      contactPrimed: s.lastAskFrom !== null && s.lastAskFrom !== from && s.lastAskAge <= 3,
      channelHint: s.recentChannels
        .flat()
        .filter((k) => HINTABLE.has(k))
        .at(-1),
      workSubjects: s.workSubjects,
    };
    const { result: single, asksForContact, workSubjects, channelsNamed } = messageScan(text, context);
    s.lastAskAge++;
    if (asksForContact) {
      s.lastAskFrom = from;
      s.lastAskAge = 0;
    }
    for (const k of workSubjects) s.workSubjects.add(k);
    s.recentChannels = [...s.recentChannels, channelsNamed].slice(-2);

    let result: ScanResult = single;
    if (single.error === undefined && state.recent.length > 0) {
      const fresh = assemble(state.recent, text, policy, context, detailsIn).filter(
        (f) =>
          !single.handles.includes(`${f.kind}:${f.value}`) &&
          !state.reported.has(`${f.kind}:${f.value}`) &&
          !extendsReported(f.value, state.reported),
      );
      if (fresh.length > 0) {
        // A longer detail assembled across messages replaces the fragment this message held alone.
        const kept = single.findings.filter(
          (f) => !fresh.some((g) => g.kind === f.kind && f.value !== "" && g.value.includes(f.value)),
        );
        const findings = [
          ...kept,
          ...fresh.map((f) => ({ ...f, reasons: [...(f.reasons ?? []), "assembled across messages"] })),
        ];
        const allowed = new Set(single.rules.filter((r) => r.startsWith("A")));
        result = decide(text, findings, allowed, options.stage, policy);
      }
    }
    for (const h of result.handles) state.reported.add(h);
    // A refused message (not text, too large) takes no part in assembling later ones.
    if (single.error === undefined) {
      state.recent.push(text);
      if (state.recent.length > policy.conversation.assemblyWindow - 1) state.recent.shift();
    }
    // A remembered scan is shared: the caller gets its own copy.
    return memo !== undefined && result === single ? copyOfResult(result) : result;
  }

  function messageScan(text: string, context: MessageContext): MessageScan {
    return memo === undefined
      ? messageScanOf(scanWith(text, options.stage, policy, regions, context))
      : memo.message(text, options.stage, policy, regions, context);
  }

  function detailsIn(text: string, context: MessageContext): readonly Finding[] {
    return memo === undefined
      ? detailsOf(scanWith(text, options.stage, policy, regions, context))
      : memo.detailsIn(text, options.stage, policy, regions, context);
  }
}

/**
 * Whether an assembled value only lengthens a detail this sender already sent
 * whole ("+1 415 290 7396", then "I'll…" read as "1'11"): that detail was
 * reported where it was sent, and the "longer" one is an artefact of joining.
 */
function extendsReported(value: string, reported: ReadonlySet<string>): boolean {
  const digits = /^\+?\d+$/.test(value) ? value.replace(/\D/g, "") : null;
  for (const handle of reported) {
    const earlier = handle.slice(handle.indexOf(":") + 1);
    if (earlier.length === 0 || earlier === value) continue;
    if (digits !== null) {
      const earlierDigits = earlier.replace(/\D/g, "");
      if (earlierDigits.length >= MIN_ASSEMBLED_PHONE_DIGITS && digits.includes(earlierDigits)) return true;
    } else if (value.includes(earlier)) return true;
  }
  return false;
}

/**
 * Details found in the sender's recent messages joined (by a line break, and,
 * for messages that are one token each, by nothing: "TRaS1LC" + "NhHHbo...")
 * that end in the current message, with spans clipped to it.
 */
function assemble(
  previous: readonly string[],
  current: string,
  policy: Policy,
  context: MessageContext,
  detailsIn: (text: string, context: MessageContext) => readonly Finding[],
): Finding[] {
  const out: Finding[] = [];
  const tryJoin = (parts: readonly string[], separator: string): void => {
    let joined = `${parts.join(separator)}${separator}${current}`;
    // Keep only the end of the earlier messages, cut where a word starts: a detail completed now began just before.
    const start = joined.length - current.length - ASSEMBLY_REACH;
    if (start > 0) {
      const space = joined.slice(start, joined.length - current.length).search(/\s/u);
      joined = joined.slice(space < 0 ? start : start + space + 1);
    }
    if (joined.length > policy.maxMessageLength)
      joined = joined.slice(joined.length - policy.maxMessageLength);
    const offset = joined.length - current.length;
    for (const f of detailsIn(joined, context)) {
      if (f.end <= offset) continue;
      if (/^\d+$/.test(f.value) && f.value.length < MIN_ASSEMBLED_PHONE_DIGITS) continue;
      if (out.some((o) => o.kind === f.kind && o.value === f.value)) continue;
      out.push({ ...f, start: Math.max(0, f.start - offset), end: Math.min(current.length, f.end - offset) });
    }
  };
  tryJoin(previous, "\n");
  // A code cut in two where the sender's last message ends and this one starts ("…643l" / "ydnw9…").
  const last = previous.at(-1);
  if (last !== undefined && /[\p{L}\p{N}._-]$/u.test(last) && /^[\p{L}\p{N}]/u.test(current))
    tryJoin([last], "");
  // Fragments of one code (an address, an IBAN) sent as bare tokens.
  const isToken = (t: string): boolean => /^\S{3,64}$/.test(t.trim());
  if (isToken(current)) {
    const tail: string[] = [];
    for (let i = previous.length - 1; i >= 0 && isToken(previous[i] as string); i--)
      tail.unshift((previous[i] as string).trim());
    if (tail.length > 0) tryJoin(tail, "");
  }
  return out;
}
