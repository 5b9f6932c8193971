import { isIP } from 'node:net';
import { normalizeIp } from '../../config/network.js';
import { MemoryLockouts, type LockoutRule } from '../backend/memory-lockouts.js';

export interface RegulationSettings {
  readonly maxRetries: number;
  readonly findTimeMs: number;
  readonly banTimeMs: number;
}

export type BanEvent = { readonly kind: 'user' | 'ip'; readonly key: string; readonly until: number };

/** IPv6 clients usually own a whole /64; count them as one. IPv4-mapped addresses count as their IPv4 address. */
export function ipKey(address: string): string {
  const ip = normalizeIp(address);
  if (isIP(ip) !== 6) return ip;
  const full = ip.includes('::') ? expandIpv6(ip) : ip;
  return `${full.split(':').slice(0, 4).join(':')}::/64`;
}

function expandIpv6(ip: string): string {
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  return [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].join(':');
}

/** The lockout rule regulation settings describe. */
export function regulationRule(settings: RegulationSettings): LockoutRule {
  return { maxFailures: settings.maxRetries, windowMs: settings.findTimeMs, lockMs: settings.banTimeMs };
}

/**
 * Brute-force regulation per account and per client IP, in process memory:
 * `maxRetries` failures within `findTime` ban for `banTime`. Only existing
 * accounts get an account counter, so spraying random usernames fills
 * nothing but the attacker's own IP entry; both tables are bounded.
 */
export class Regulator {
  private readonly users: MemoryLockouts;
  private readonly ips: MemoryLockouts;

  constructor(
    private readonly settings: () => RegulationSettings,
    private readonly now: () => number,
    capacity = 10_000,
  ) {
    this.users = new MemoryLockouts(capacity);
    this.ips = new MemoryLockouts(capacity);
  }

  isBanned(userKey: string | null, ip: string): boolean {
    const now = this.now();
    return (userKey !== null && this.users.lockedUntil(userKey, now) > 0) || this.ips.lockedUntil(ipKey(ip), now) > 0;
  }

  /** Counts a failure. `userKey` is null when the account does not exist. Returns any ban it started. */
  recordFailure(userKey: string | null, ip: string): BanEvent[] {
    const rule = regulationRule(this.settings());
    const now = this.now();
    const events: BanEvent[] = [];
    const count = (table: MemoryLockouts, kind: BanEvent['kind'], key: string) => {
      const outcome = table.fail(key, rule, now);
      if (outcome.started) events.push({ kind, key, until: outcome.lockedUntil });
    };
    if (userKey !== null) count(this.users, 'user', userKey);
    count(this.ips, 'ip', ipKey(ip));
    return events;
  }

  /** A success clears the account's and the IP's counters (not an active ban). */
  recordSuccess(userKey: string, ip: string): void {
    const now = this.now();
    this.users.forgive(userKey, now);
    this.ips.forgive(ipKey(ip), now);
  }

  /** Lifts an active ban on a username key or an IP. Returns false when there was no active ban. */
  unban(key: string): boolean {
    const now = this.now();
    const lifted = [this.users.unlock(key, now), this.ips.unlock(ipKey(key), now), this.ips.unlock(key, now)];
    return lifted.some(Boolean);
  }

  /** Restores a ban (read back from bans.json after a restart, or heard from another replica). */
  restore(kind: BanEvent['kind'], key: string, until: number): void {
    (kind === 'user' ? this.users : this.ips).restore(key, until, this.now());
  }

  activeBans(): BanEvent[] {
    const now = this.now();
    return [
      ...this.users.locks(now).map(([key, until]) => ({ kind: 'user' as const, key, until })),
      ...this.ips.locks(now).map(([key, until]) => ({ kind: 'ip' as const, key, until })),
    ];
  }
}
