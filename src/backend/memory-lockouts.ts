/** How many failures, within which window, lock a subject for how long. */
export interface LockoutRule {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

/** What a counted failure led to: the end of the subject's lock (0 when not locked), and whether this failure started it. */
export interface FailureOutcome {
  readonly lockedUntil: number;
  readonly started: boolean;
}

interface Entry {
  /** Failure times inside the window, oldest first. */
  failures: number[];
  lockedUntil: number;
}

/**
 * Failure counters and locks in process memory, bounded: when full, the least
 * recently used subject that is not locked goes first, and when everything is
 * locked the lock closest to its end does, so a flood of subjects costs
 * memory only up to the cap. Synchronous: the embedded backend's hot path
 * reads it directly.
 */
export class MemoryLockouts {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 10_000) {}

  /** Counts a failure at `now`. While the subject is locked nothing is counted. */
  fail(subject: string, rule: LockoutRule, now: number): FailureOutcome {
    const entry = this.touch(subject, now);
    if (entry.lockedUntil > now) return { lockedUntil: entry.lockedUntil, started: false };
    entry.failures = entry.failures.filter((t) => t > now - rule.windowMs);
    entry.failures.push(now);
    if (entry.failures.length >= rule.maxFailures) {
      entry.lockedUntil = now + rule.lockMs;
      entry.failures = [];
      return { lockedUntil: entry.lockedUntil, started: true };
    }
    return { lockedUntil: 0, started: false };
  }

  /** Forgets the subject's failures (a success); an active lock stays. */
  forgive(subject: string, now: number): void {
    const entry = this.entries.get(subject);
    if (entry && entry.lockedUntil <= now) this.entries.delete(subject);
  }

  lockedUntil(subject: string, now: number): number {
    const until = this.entries.get(subject)?.lockedUntil ?? 0;
    return until > now ? until : 0;
  }

  /** Drops the subject's lock and failures; true when it was locked. */
  unlock(subject: string, now: number): boolean {
    const entry = this.entries.get(subject);
    if (!entry) return false;
    this.entries.delete(subject);
    return entry.lockedUntil > now;
  }

  /** Puts a lock in place (read back from a file, or heard from another replica). */
  restore(subject: string, until: number, now: number): void {
    if (until > now) this.touch(subject, now).lockedUntil = until;
  }

  locks(now: number): Array<[subject: string, until: number]> {
    return [...this.entries].filter(([, e]) => e.lockedUntil > now).map(([k, e]) => [k, e.lockedUntil]);
  }

  get size(): number {
    return this.entries.size;
  }

  private touch(subject: string, now: number): Entry {
    let entry = this.entries.get(subject);
    if (entry) {
      this.entries.delete(subject);
    } else {
      entry = { failures: [], lockedUntil: 0 };
      if (this.entries.size >= this.capacity) this.evictOne(now);
    }
    this.entries.set(subject, entry);
    return entry;
  }

  private evictOne(now: number): void {
    for (const [subject, entry] of this.entries) {
      if (entry.lockedUntil <= now) {
        this.entries.delete(subject);
        return;
      }
    }
    // Everything is locked: drop the lock closest to its end rather than grow without bound.
    let soonest: string | undefined;
    let until = Infinity;
    for (const [subject, entry] of this.entries) if (entry.lockedUntil < until) [soonest, until] = [subject, entry.lockedUntil];
    if (soonest !== undefined) this.entries.delete(soonest);
  }
}
