import {
  type ConversationScanner,
  createConversationScanner,
  type Policy,
  type ScanResult,
  type Stage,
} from "@leakguard/detect";
import type { HistoryMessage } from "./history.js";

export interface ReplayOptions {
  /** One policy, or two with --compare: every message is scanned under each, with a scanner state per policy. */
  policies: readonly Policy[];
  locale?: string;
  /** Most conversations held at once; past it the least recently active one is forgotten. */
  maxConversations: number;
  /** A conversation with no message for this long (by the messages' timestamps) is forgotten. */
  idleMs: number;
  /** Messages held to put a roughly ordered input in time order (a min-heap on timestamp, then input order). */
  reorderWindow: number;
}

export const DEFAULT_REPLAY: Omit<ReplayOptions, "policies"> = {
  maxConversations: 100_000,
  idleMs: 30 * 24 * 3_600_000,
  reorderWindow: 2_000,
};

export interface Replayed {
  message: HistoryMessage;
  /** One result per policy, in the order of `policies`. */
  results: ScanResult[];
  /** Per policy: this is the conversation's first violating message (since its state was opened). */
  firstViolation: boolean[];
}

export interface ReplayStats {
  messages: number;
  /** Conversation states opened (a conversation forgotten and seen again opens a second one). */
  conversationsOpened: number;
  evictedIdle: number;
  evictedCap: number;
  /** Most conversation states held at once. */
  maxHeld: number;
  /** Times a conversation's stage changed (pre_contract to contract_active or back): its scanner starts afresh. */
  stageChanges: number;
  /** Messages older than one already replayed: out of order by more than the reorder window. */
  late: number;
}

export interface Replayer {
  push(message: HistoryMessage): void;
  /** Replays what the reorder buffer still holds. */
  finish(): void;
  readonly stats: ReplayStats;
  /** Conversation states held now. */
  readonly held: number;
}

interface ConversationState {
  stage: Stage;
  scanners: ConversationScanner[];
  violated: boolean[];
  last: number | null;
}

interface Pending {
  key: number;
  seq: number;
  message: HistoryMessage;
}

/**
 * Replays messages through the conversation scanner, one state per
 * conversation, in time order within a bounded window. Memory is bounded by
 * `reorderWindow` messages and `maxConversations` states, whatever the input's size.
 */
export function createReplayer(options: ReplayOptions, onReplayed: (r: Replayed) => void): Replayer {
  const conversations = new Map<string, ConversationState>();
  const heap: Pending[] = [];
  const stats: ReplayStats = {
    messages: 0,
    conversationsOpened: 0,
    evictedIdle: 0,
    evictedCap: 0,
    maxHeld: 0,
    stageChanges: 0,
    late: 0,
  };
  let seq = 0;
  /** The latest timestamp read so far: a message without one sorts with it. */
  let latestRead = Number.NEGATIVE_INFINITY;
  let lastReplayed = Number.NEGATIVE_INFINITY;
  const scanOptions = (stage: Stage, policy: Policy) =>
    options.locale === undefined ? { stage, policy } : { stage, policy, locale: options.locale };

  function replay({ key, message }: Pending): void {
    if (key < lastReplayed) stats.late++;
    else lastReplayed = key;
    let state = conversations.get(message.conversation);
    if (state === undefined) {
      state = newState(message.stage);
      stats.conversationsOpened++;
    } else {
      // Least recently active first: re-insert to move it to the end.
      conversations.delete(message.conversation);
      if (state.stage !== message.stage) {
        // The engine's conversation scanner judges one stage; a new one takes over when the contract state changes.
        stats.stageChanges++;
        state.stage = message.stage;
        state.scanners = options.policies.map((p) =>
          createConversationScanner(scanOptions(message.stage, p)),
        );
      }
    }
    conversations.set(message.conversation, state);
    if (message.time !== null) state.last = message.time;

    const results: ScanResult[] = [];
    const firstViolation: boolean[] = [];
    for (let i = 0; i < state.scanners.length; i++) {
      const r = (state.scanners[i] as ConversationScanner).push({ from: message.sender, text: message.text });
      results.push(r);
      const first = r.violation && state.violated[i] !== true;
      if (first) state.violated[i] = true;
      firstViolation.push(first);
    }
    stats.messages++;
    onReplayed({ message, results, firstViolation });
    evict(message.time);
  }

  function newState(stage: Stage): ConversationState {
    return {
      stage,
      scanners: options.policies.map((p) => createConversationScanner(scanOptions(stage, p))),
      violated: options.policies.map(() => false),
      last: null,
    };
  }

  function evict(now: number | null): void {
    if (now !== null)
      for (const [id, state] of conversations) {
        if (state.last === null || state.last >= now - options.idleMs) break;
        conversations.delete(id);
        stats.evictedIdle++;
      }
    while (conversations.size > options.maxConversations) {
      const oldest = conversations.keys().next();
      if (oldest.done === true) break;
      conversations.delete(oldest.value);
      stats.evictedCap++;
    }
    if (conversations.size > stats.maxHeld) stats.maxHeld = conversations.size;
  }

  return {
    push(message) {
      if (message.time !== null && message.time > latestRead) latestRead = message.time;
      heapPush(heap, { key: message.time ?? latestRead, seq: seq++, message });
      if (heap.length > options.reorderWindow) replay(heapPop(heap) as Pending);
    },
    finish() {
      while (heap.length > 0) replay(heapPop(heap) as Pending);
    },
    stats,
    get held() {
      return conversations.size;
    },
  };
}

const before = (a: Pending, b: Pending): boolean => a.key < b.key || (a.key === b.key && a.seq < b.seq);

function heapPush(heap: Pending[], item: Pending): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(item, heap[parent] as Pending)) break;
    heap[i] = heap[parent] as Pending;
    i = parent;
  }
  heap[i] = item;
}

function heapPop(heap: Pending[]): Pending | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (top === undefined || last === undefined || heap.length === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= heap.length) break;
    const r = l + 1;
    const child = r < heap.length && before(heap[r] as Pending, heap[l] as Pending) ? r : l;
    if (!before(heap[child] as Pending, last)) break;
    heap[i] = heap[child] as Pending;
    i = child;
  }
  heap[i] = last;
  return top;
}
