/**
 * Failed sign-ins per account in a sliding window, kept in this process's
 * memory: a guess-the-password run is stopped after `maxFailures` within
 * `windowMs`, then the account waits out the window. One server holds it;
 * several servers behind a balancer would each count their own (a shared
 * store is for when we run more than one).
 */
export class SignInLimit {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 10,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Milliseconds until the account may try again, or 0 when it may now. */
  retryAfterMs(accountId: string, now: Date): number {
    const recent = this.recent(accountId, now);
    if (recent.length < this.maxFailures) return 0;
    return (recent[0] ?? now.getTime()) + this.windowMs - now.getTime();
  }

  fail(accountId: string, now: Date): void {
    this.failures.set(accountId, [...this.recent(accountId, now), now.getTime()]);
  }

  succeed(accountId: string): void {
    this.failures.delete(accountId);
  }

  private recent(accountId: string, now: Date): number[] {
    const since = now.getTime() - this.windowMs;
    return (this.failures.get(accountId) ?? []).filter((t) => t > since);
  }
}
