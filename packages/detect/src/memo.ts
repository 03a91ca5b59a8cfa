import type { CountryCode } from "libphonenumber-js/max";
import type { ChannelKind } from "./lexicon.js";
import type { Policy } from "./policy.js";
import { type DetailedScan, isDetail, type MessageContext, scanWith } from "./scan.js";
import type { Finding, ScanResult, Stage } from "./types.js";

/** What a conversation keeps of one message's scan: its result, and the context it gives the next turns. */
export interface MessageScan {
  result: ScanResult;
  asksForContact: boolean;
  workSubjects: readonly ChannelKind[];
  channelsNamed: readonly ChannelKind[];
}

export function messageScanOf(d: DetailedScan): MessageScan {
  return {
    result: d.result,
    asksForContact: d.detection?.asksForContact === true,
    workSubjects: d.detection?.workSubjects ?? [],
    channelsNamed: d.detection?.channelsNamed ?? [],
  };
}

/** The contact and payment details a scan found, in its order: all that assembling messages reads of a joined text. */
export function detailsOf(d: DetailedScan): Finding[] {
  return d.result.findings.filter((f) => isDetail(f) && f.value !== "");
}

/** Texts longer than this are scanned every time: a memo of them would hold more memory than it saves time. */
const MAX_MEMO_TEXT = 4_096;

/**
 * Scans already made, looked up by everything a scan reads: the text, the
 * stage, the policy (by identity: resolved policies are frozen), the region
 * hints and the context a conversation gives the message. A scan is a pure
 * function of these, so a remembered one is the scan made again.
 *
 * What it is for: a conversation scanner built again from a pair's recent
 * messages (another API process took the pair's last send, or the oldest
 * message dropped out of the 20 read) pushes mostly the messages, with the
 * same contexts, that an earlier scanner pushed; only the texts at the edge
 * of the window are new. Shared by every conversation scanner given it
 * (`createConversationScanner(options, { memo })`). The least recently used
 * scans go beyond `size`; each holds only what a conversation reads of it
 * (at corpus lengths, about 1.3 KB for a message, 0.5 KB for a joined text).
 */
export class ScanMemo {
  private readonly messages = new Map<string, MessageScan>();
  private readonly details = new Map<string, Finding[]>();
  private readonly policyIds = new WeakMap<Policy, number>();
  private nextPolicyId = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly size = 10_000) {}

  /** One message's scan, as a conversation keeps it. */
  message(
    text: string,
    stage: Stage,
    policy: Policy,
    regions: readonly CountryCode[],
    context: MessageContext,
  ): MessageScan {
    return this.remembered(this.messages, text, stage, policy, regions, context, messageScanOf);
  }

  /** The details in a joined text (assembling messages). */
  detailsIn(
    text: string,
    stage: Stage,
    policy: Policy,
    regions: readonly CountryCode[],
    context: MessageContext,
  ): readonly Finding[] {
    return this.remembered(this.details, text, stage, policy, regions, context, detailsOf);
  }

  private remembered<T>(
    store: Map<string, T>,
    text: string,
    stage: Stage,
    policy: Policy,
    regions: readonly CountryCode[],
    context: MessageContext,
    keep: (d: DetailedScan) => T,
  ): T {
    if (typeof text !== "string" || text.length > MAX_MEMO_TEXT)
      return keep(scanWith(text, stage, policy, regions, context));
    let policyId = this.policyIds.get(policy);
    if (policyId === undefined) {
      policyId = this.nextPolicyId++;
      this.policyIds.set(policy, policyId);
    }
    const subjects = context.workSubjects === undefined ? "" : [...context.workSubjects].sort().join(",");
    const key = `${policyId}\u0000${stage}\u0000${regions.join(",")}\u0000${context.contactPrimed === true ? 1 : 0}\u0000${context.channelHint ?? ""}\u0000${subjects}\u0000${text}`;
    const known = store.get(key);
    if (known !== undefined) {
      this.hits++;
      store.delete(key);
      store.set(key, known);
      return known;
    }
    this.misses++;
    const made = keep(scanWith(text, stage, policy, regions, context));
    store.set(key, made);
    // The two kinds share the size: the oldest of the larger one goes.
    if (this.messages.size + this.details.size > this.size) {
      const from = this.messages.size >= this.details.size ? this.messages : this.details;
      from.delete(from.keys().next().value as string);
    }
    return made;
  }
}

/** A copy of a result that a caller may change without changing the remembered one. */
export function copyOfResult(r: ScanResult): ScanResult {
  return {
    ...r,
    rules: [...r.rules],
    handles: [...r.handles],
    findings: r.findings.map((f) => ({
      ...f,
      ...(f.reasons === undefined ? {} : { reasons: [...f.reasons] }),
    })),
    ...(r.error === undefined ? {} : { error: { ...r.error } }),
  };
}
