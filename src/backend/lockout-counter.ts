import { MemoryLockouts, type FailureOutcome, type LockoutRule } from './memory-lockouts.js';

export type { FailureOutcome, LockoutRule } from './memory-lockouts.js';

/**
 * Failure counters with locks, per subject (an account, an address, a
 * user's second factor). In Redis every replica counts into the same
 * window, so N replicas give an attacker no more guesses than one. Every
 * method throws StoreUnavailableError when the shared store is down: a
 * failure that cannot be counted is not waved through.
 */
export interface LockoutCounter {
  /** Counts a failure; while the subject is locked nothing is counted and the lock's end comes back. */
  fail(subject: string, rule: LockoutRule): Promise<FailureOutcome>;
  /** Forgets the subject's failures (a success); an active lock stays. */
  forgive(subject: string): Promise<void>;
  /** When the subject's lock ends; 0 when it is not locked. */
  lockedUntil(subject: string): Promise<number>;
  /** Lifts the locks and failures of these subjects; returns the ones that were locked. */
  unlock(subjects: readonly string[]): Promise<string[]>;
  /** Every active lock. */
  locks(): Promise<Array<{ subject: string; until: number }>>;
}

/** The embedded backend: one process, counters in memory. */
export class MemoryLockoutCounter implements LockoutCounter {
  private readonly table: MemoryLockouts;

  constructor(
    private readonly now: () => number,
    capacity?: number,
  ) {
    this.table = new MemoryLockouts(capacity);
  }

  async fail(subject: string, rule: LockoutRule): Promise<FailureOutcome> {
    return this.table.fail(subject, rule, this.now());
  }

  async forgive(subject: string): Promise<void> {
    this.table.forgive(subject, this.now());
  }

  async lockedUntil(subject: string): Promise<number> {
    return this.table.lockedUntil(subject, this.now());
  }

  async unlock(subjects: readonly string[]): Promise<string[]> {
    const now = this.now();
    return subjects.filter((subject) => this.table.unlock(subject, now));
  }

  async locks(): Promise<Array<{ subject: string; until: number }>> {
    return this.table.locks(this.now()).map(([subject, until]) => ({ subject, until }));
  }
}
