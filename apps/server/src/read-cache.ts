import type { Account, Result } from "@leakguard/domain";
import {
  announceChanges,
  changesChannel,
  changeTag,
  type Db,
  getAccount,
  type Listening,
  type MessageContext,
  messageContextFor,
  type PeopleCode,
} from "@leakguard/store";

export interface ReadCacheOptions {
  /** How long an entry may be served at most, whatever is heard (a missed announcement ends here). */
  ttlMs: number;
  /** Entries kept at most; the least recently used go first. */
  maxEntries: number;
  /** After the listening connection is lost, how long before listening again. */
  retryMs?: number;
  /**
   * How long a stored message's announcement waits for others to go with it in one statement (10 ms:
   * at a few hundred sends a second, one statement for several sends, not one more round trip each).
   */
  announceDelayMs?: number;
  /** Told of a failure to listen or announce (logged by the app); the cache goes on without. */
  onError?: (what: string, error: unknown) => void;
  clock?: () => number;
}

export const DEFAULT_READ_CACHE: ReadCacheOptions = { ttlMs: 30_000, maxEntries: 20_000 };

export type ReadCacheOutcome = "hit" | "miss" | "bypass";

interface Entry {
  value: unknown;
  tags: readonly string[];
  expiresAt: number;
}

/** Tags forgotten, kept this many at least, so a read that began before a change hears of it when it ends. */
const FORGOTTEN_KEPT = 4_096;

/**
 * What a pre-send check reads, cached in this process: the acting account
 * and the pair's context (recipient, relationship, contracts, the last
 * messages). A check comes at every pause in typing, and its three reads
 * were most of its cost: 584 checks/s with them, about 3,100 without on this
 * 2-core machine (docs/benchmarks.md, "API load").
 *
 * An entry is forgotten when it changes anywhere: the 20261203T1500 triggers
 * NOTIFY every process of account, pair, contract and milestone writes and of
 * reviewed or erased messages, and a process that stores a new message
 * forgets its conversation at once and announces it to the others right
 * after its commit. What another process changed is served for the few
 * milliseconds the notification takes; a check is advice, and the send
 * screens again in its own transaction with what is stored. Entries are
 * served only while the listening connection is up (a lost one empties the
 * cache until it is back) and never longer than `ttlMs`.
 *
 * A read that began before a change and ends after it is not kept: every
 * forgotten tag gets a sequence number, and a read keeps its result only if
 * none of its tags was forgotten since it began.
 */
export class ReadCache {
  private readonly options: Required<Omit<ReadCacheOptions, "onError">> & Pick<ReadCacheOptions, "onError">;
  private readonly entries = new Map<string, Entry>();
  private readonly keysByTag = new Map<string, Set<string>>();
  /** forgotten[i] is the tag forgotten with sequence number forgottenBase + i + 1. */
  private forgotten: string[] = [];
  private forgottenBase = 0;
  /** Bumped when everything is forgotten (the listening connection lost): reads begun before keep nothing. */
  private epoch = 0;
  private listening: Listening | null = null;
  private channel: string | null = null;
  private retry: NodeJS.Timeout | null = null;
  private toAnnounce = new Set<string>();
  private announcing: NodeJS.Timeout | null = null;
  private lastAnnouncement: Promise<void> = Promise.resolve();
  private closed = false;
  readonly counts: Record<ReadCacheOutcome, number> = { hit: 0, miss: 0, bypass: 0 };

  constructor(
    private readonly db: Db,
    options: ReadCacheOptions,
    private readonly observe?: (outcome: ReadCacheOutcome) => void,
  ) {
    this.options = {
      retryMs: 1_000,
      announceDelayMs: 10,
      clock: Date.now,
      ...options,
    };
  }

  /** Serving from the cache (listening for changes); false before start, while reconnecting and after close. */
  get live(): boolean {
    return this.listening !== null;
  }

  /** Starts listening; until it listens (and whenever it does not), every read goes to the database. */
  async start(): Promise<void> {
    if (this.closed || this.listening !== null) return;
    try {
      this.channel ??= await changesChannel(this.db);
      const listening = await this.db.listen(
        this.channel,
        (tag) => this.forget(tag),
        () => {
          this.listening = null;
          this.forgetAll();
          this.scheduleRetry();
        },
      );
      if (this.closed) {
        await listening.close();
        return;
      }
      // Anything read before this point may have missed a change: start empty.
      this.forgetAll();
      this.listening = listening;
    } catch (error) {
      this.options.onError?.("the read cache could not listen for changes; reads go to the database", error);
      this.scheduleRetry();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    if (this.announcing !== null) {
      clearTimeout(this.announcing);
      this.announcing = null;
      this.announce();
    }
    await this.lastAnnouncement;
    const listening = this.listening;
    this.listening = null;
    this.forgetAll();
    // Closing after the database (its connection gone already) is not an error.
    await listening?.close().catch(() => undefined);
  }

  /** The account `id` (null: none), as getAccount reads it. */
  account(id: string): Promise<Account | null> {
    return this.through(
      `a\u0000${id}`,
      () => getAccount(this.db, id),
      (account) => (account === null ? null : [changeTag.account(id)]),
    );
  }

  /** The context a message from `sender` to `recipientId` would be screened in, as messageContextFor reads it. */
  async pairContext(
    sender: Account,
    recipientId: string,
    at: Date,
  ): Promise<Result<MessageContext, PeopleCode>> {
    const context = await this.through(
      `p\u0000${sender.id}\u0000${sender.role}\u0000${recipientId}`,
      () => messageContextFor(this.db, sender, recipientId, at),
      (read) => {
        if (!read.ok) return null;
        const { pair } = read.value;
        return [
          changeTag.account(sender.id),
          changeTag.account(recipientId),
          changeTag.pair(pair.clientId, pair.freelancerId),
          ...(pair.id === "" ? [] : [changeTag.relationship(pair.id)]),
        ];
      },
    );
    // A pair not yet formed is judged as one formed now, as messageContextFor does.
    return context.ok && context.value.pair.id === ""
      ? { ok: true, value: { ...context.value, pair: { ...context.value.pair, identifiedAt: at } } }
      : context;
  }

  /**
   * A message was stored in this pair (and committed): forgotten here
   * at once, and announced to the other processes (PostgreSQL only: PGlite
   * is one process) after a moment, with any others stored meanwhile.
   */
  messageStored(pair: { id: string; clientId: string; freelancerId: string }): void {
    const tag = changeTag.relationship(pair.id);
    this.forget(tag);
    // The pair's first message formed it: a check cached before read no pair (the trigger says so too, later).
    this.forget(changeTag.pair(pair.clientId, pair.freelancerId));
    if (this.db.engine !== "postgres" || this.closed) return;
    this.toAnnounce.add(tag);
    this.announcing ??= setTimeout(() => {
      this.announcing = null;
      this.announce();
    }, this.options.announceDelayMs);
  }

  /** Forgets every entry tagged `tag` (what a notification says changed). */
  forget(tag: string): void {
    this.forgotten.push(tag);
    if (this.forgotten.length >= 2 * FORGOTTEN_KEPT) {
      this.forgotten = this.forgotten.slice(FORGOTTEN_KEPT);
      this.forgottenBase += FORGOTTEN_KEPT;
    }
    const keys = this.keysByTag.get(tag);
    if (keys === undefined) return;
    for (const key of [...keys]) this.drop(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private async through<V>(
    key: string,
    read: () => Promise<V>,
    tagsOf: (value: V) => string[] | null,
  ): Promise<V> {
    if (this.listening === null) {
      this.count("bypass");
      return read();
    }
    const now = this.options.clock();
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.expiresAt > now) {
      // Least recently used goes first: a hit moves to the back.
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.count("hit");
      return hit.value as V;
    }
    if (hit !== undefined) this.drop(key);
    this.count("miss");
    const epoch = this.epoch;
    const sequence = this.forgottenBase + this.forgotten.length;
    const value = await read();
    const tags = tagsOf(value);
    if (
      tags !== null &&
      this.listening !== null &&
      epoch === this.epoch &&
      !this.forgottenSince(sequence, tags)
    )
      this.keep(key, { value, tags, expiresAt: now + this.options.ttlMs });
    return value;
  }

  private forgottenSince(sequence: number, tags: readonly string[]): boolean {
    // Trimmed past the read's beginning: what it missed is no longer known, so it is not kept.
    if (sequence < this.forgottenBase) return true;
    for (let i = sequence - this.forgottenBase; i < this.forgotten.length; i++)
      if (tags.includes(this.forgotten[i] as string)) return true;
    return false;
  }

  private keep(key: string, entry: Entry): void {
    if (this.entries.has(key)) this.drop(key);
    this.entries.set(key, entry);
    for (const tag of entry.tags) {
      const keys = this.keysByTag.get(tag);
      if (keys === undefined) this.keysByTag.set(tag, new Set([key]));
      else keys.add(key);
    }
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.options.maxEntries) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    for (const tag of entry.tags) {
      const keys = this.keysByTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.keysByTag.delete(tag);
    }
  }

  /**
   * Forgets every entry, and every read still under way keeps nothing: for a
   * write of this process, so its next check reads what it wrote without
   * waiting for the notification.
   */
  forgetAll(): void {
    this.epoch++;
    this.entries.clear();
    this.keysByTag.clear();
  }

  private count(outcome: ReadCacheOutcome): void {
    this.counts[outcome]++;
    this.observe?.(outcome);
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry !== null) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, this.options.retryMs);
    this.retry.unref();
  }

  private announce(): void {
    const tags = [...this.toAnnounce];
    this.toAnnounce.clear();
    const channel = this.channel;
    if (tags.length === 0 || channel === null) return;
    this.lastAnnouncement = this.lastAnnouncement.then(() =>
      announceChanges(this.db, channel, tags).catch((error: unknown) =>
        // The other processes forget these when their entries expire (ttlMs).
        this.options.onError?.("stored messages could not be announced to the other processes", error),
      ),
    );
  }
}
