import type { Logger } from 'pino';
import type { BansStore } from '../../config/bans-store.js';
import { liftBan, syncBans } from './ban-sync.js';
import type { BanEvent, Regulator } from './regulation.js';

/**
 * Brute-force regulation as the account services use it, whichever backend
 * holds the counters. `isBanned` answers from memory (the Basic-credentials
 * hot path is synchronous); `checkBanned` asks the backend itself (the login
 * path, which waits for a bcrypt verify anyway).
 */
export interface Regulation {
  isBanned(userKey: string | null, ip: string): boolean;
  checkBanned(userKey: string | null, ip: string): Promise<boolean>;
  /** Counts a failure (`userKey` null when the account does not exist); returns any ban it started. */
  recordFailure(userKey: string | null, ip: string): Promise<BanEvent[]>;
  /** A success clears the account's and the IP's counters (not an active ban). */
  recordSuccess(userKey: string, ip: string): Promise<void>;
  /** Lifts the bans on these keys (username keys or addresses) everywhere; false when none was banned. */
  lift(keys: readonly string[]): Promise<boolean>;
  activeBans(): BanEvent[];
  /** Waits for writes started in the background and stops listening. */
  close(): Promise<void>;
}

/** The embedded backend: counters in memory, bans also in bans.json so they survive a restart and `gatehouse unban` reaches them. */
export class LocalRegulation implements Regulation {
  private readonly record: (events: readonly BanEvent[]) => Promise<void>;
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly regulator: Regulator,
    private readonly store: BansStore,
    now: () => number,
    log: Logger,
  ) {
    this.record = syncBans(regulator, store, now, log);
  }

  isBanned(userKey: string | null, ip: string): boolean {
    return this.regulator.isBanned(userKey, ip);
  }

  async checkBanned(userKey: string | null, ip: string): Promise<boolean> {
    return this.regulator.isBanned(userKey, ip);
  }

  async recordFailure(userKey: string | null, ip: string): Promise<BanEvent[]> {
    // Counted before the first await: a caller that does not wait sees the ban at once.
    const events = this.regulator.recordFailure(userKey, ip);
    if (events.length > 0) {
      const write = this.record(events);
      this.writes.add(write);
      void write.finally(() => this.writes.delete(write));
    }
    return events;
  }

  async recordSuccess(userKey: string, ip: string): Promise<void> {
    this.regulator.recordSuccess(userKey, ip);
  }

  lift(keys: readonly string[]): Promise<boolean> {
    return liftBan(this.regulator, this.store, keys);
  }

  activeBans(): BanEvent[] {
    return this.regulator.activeBans();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.writes]);
  }
}
