import { isIP } from 'node:net';
import { normalizeIp } from '../../config/network.js';

export interface RegulationSettings {
  readonly maxRetries: number;
  readonly findTimeMs: number;
  readonly banTimeMs: number;
}

interface Entry {
  /** Failure times inside the find window, oldest first; never longer than maxRetries. */
  failures: number[];
  bannedUntil: number;
}

export type BanEvent = { readonly kind: 'user' | 'ip'; readonly key: string; readonly until: number };

/** A bounded map of failure counters: when full, the least recently used entry that is not banned goes first. */
class Table {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity: number) {}

  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  touch(key: string, now: number): Entry {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      entry = { failures: [], bannedUntil: 0 };
      if (this.entries.size >= this.capacity) this.evictOne(now);
    }
    this.entries.set(key, entry);
    return entry;
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  bans(now: number): Array<[string, number]> {
    return [...this.entries].filter(([, e]) => e.bannedUntil > now).map(([k, e]) => [k, e.bannedUntil]);
  }

  private evictOne(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.bannedUntil <= now) {
        this.entries.delete(key);
        return;
      }
    }
    // Everything is banned: drop the ban closest to its end rather than grow without bound.
    let soonest: string | undefined;
    let until = Infinity;
    for (const [key, entry] of this.entries) if (entry.bannedUntil < until) [soonest, until] = [key, entry.bannedUntil];
    if (soonest !== undefined) this.entries.delete(soonest);
  }
}

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

/**
 * Brute-force regulation per account and per client IP: `maxRetries`
 * failures within `findTime` ban for `banTime`. Only existing accounts get an
 * account counter, so spraying random usernames fills nothing but the
 * attacker's own IP entry; both tables are bounded.
 */
export class Regulator {
  private readonly users: Table;
  private readonly ips: Table;

  constructor(
    private readonly settings: () => RegulationSettings,
    private readonly now: () => number,
    capacity = 10_000,
  ) {
    this.users = new Table(capacity);
    this.ips = new Table(capacity);
  }

  isBanned(userKey: string | null, ip: string): boolean {
    const now = this.now();
    return (userKey !== null && (this.users.get(userKey)?.bannedUntil ?? 0) > now) || (this.ips.get(ipKey(ip))?.bannedUntil ?? 0) > now;
  }

  /** Counts a failure. `userKey` is null when the account does not exist. Returns any ban it started. */
  recordFailure(userKey: string | null, ip: string): BanEvent[] {
    const events: BanEvent[] = [];
    const ban = (table: Table, kind: BanEvent['kind'], key: string) => {
      const event = this.count(table, key);
      if (event !== null) events.push({ kind, key, until: event });
    };
    if (userKey !== null) ban(this.users, 'user', userKey);
    ban(this.ips, 'ip', ipKey(ip));
    return events;
  }

  /** A success clears the account's and the IP's counters (not an active ban). */
  recordSuccess(userKey: string, ip: string): void {
    for (const [table, key] of [[this.users, userKey], [this.ips, ipKey(ip)]] as const) {
      const entry = table.get(key);
      if (entry && entry.bannedUntil <= this.now()) table.delete(key);
    }
  }

  /** Lifts bans on a username key or an IP. Returns whether anything was lifted. */
  /** Lifts an active ban on a username key or an IP. Returns false when there was no active ban. */
  unban(key: string): boolean {
    const now = this.now();
    let lifted = false;
    for (const [table, k] of [[this.users, key], [this.ips, ipKey(key)], [this.ips, key]] as const) {
      const entry = table.get(k);
      if (entry && entry.bannedUntil > now) lifted = true;
      if (entry) table.delete(k);
    }
    return lifted;
  }

  /** Restores a ban (e.g. read back from bans.json after a restart). */
  restore(kind: BanEvent['kind'], key: string, until: number): void {
    if (until > this.now()) (kind === 'user' ? this.users : this.ips).touch(key, this.now()).bannedUntil = until;
  }

  activeBans(): BanEvent[] {
    const now = this.now();
    return [
      ...this.users.bans(now).map(([key, until]) => ({ kind: 'user' as const, key, until })),
      ...this.ips.bans(now).map(([key, until]) => ({ kind: 'ip' as const, key, until })),
    ];
  }

  private count(table: Table, key: string): number | null {
    const { maxRetries, findTimeMs, banTimeMs } = this.settings();
    const now = this.now();
    const entry = table.touch(key, now);
    if (entry.bannedUntil > now) return null;
    entry.failures = entry.failures.filter((t) => t > now - findTimeMs);
    entry.failures.push(now);
    if (entry.failures.length > maxRetries) entry.failures.shift();
    if (entry.failures.length >= maxRetries) {
      entry.bannedUntil = now + banTimeMs;
      entry.failures = [];
      return entry.bannedUntil;
    }
    return null;
  }
}
