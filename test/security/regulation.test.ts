import { describe, expect, it } from 'vitest';
import { ipKey, Regulator, type RegulationSettings } from '../../src/security/regulation.js';

const MIN = 60_000;
const SETTINGS: RegulationSettings = { maxRetries: 5, findTimeMs: 10 * MIN, banTimeMs: 15 * MIN };

function regulator(capacity?: number) {
  const clock = { now: Date.parse('2026-11-23T12:00:00Z') };
  const r = new Regulator(() => SETTINGS, () => clock.now, capacity);
  return { r, clock };
}

function fail(r: Regulator, times: number, user: string | null, ip: string) {
  const events = [];
  for (let i = 0; i < times; i++) events.push(...r.recordFailure(user, ip));
  return events;
}

describe('Regulator', () => {
  it('bans the account and the IP after 5 failures inside the window', () => {
    const { r, clock } = regulator();
    expect(fail(r, 4, 'alice', '203.0.113.1')).toEqual([]);
    expect(r.isBanned('alice', '203.0.113.1')).toBe(false);
    const events = r.recordFailure('alice', '203.0.113.1');
    expect(events).toEqual([
      { kind: 'user', key: 'alice', until: clock.now + 15 * MIN },
      { kind: 'ip', key: '203.0.113.1', until: clock.now + 15 * MIN },
    ]);
    expect(r.isBanned('alice', '198.51.100.9')).toBe(true);
    expect(r.isBanned('bob', '203.0.113.1')).toBe(true);
    expect(r.isBanned('bob', '198.51.100.9')).toBe(false);
  });

  it('does not ban when the failures are spread beyond findTime', () => {
    const { r, clock } = regulator();
    for (let i = 0; i < 12; i++) {
      expect(r.recordFailure('alice', '203.0.113.1')).toEqual([]);
      clock.now += 2.6 * MIN; // 4 failures per 10 minutes at most
    }
    expect(r.isBanned('alice', '203.0.113.1')).toBe(false);
  });

  it('forgets failures older than the window', () => {
    const { r, clock } = regulator();
    fail(r, 4, 'alice', '203.0.113.1');
    clock.now += 10 * MIN + 1;
    expect(fail(r, 4, 'alice', '203.0.113.1')).toEqual([]);
    expect(r.isBanned('alice', '203.0.113.1')).toBe(false);
  });

  it('a ban expires after banTime, and further failures during it do not extend it', () => {
    const { r, clock } = regulator();
    fail(r, 5, 'alice', '203.0.113.1');
    clock.now += 14 * MIN;
    expect(fail(r, 3, 'alice', '203.0.113.1')).toEqual([]);
    expect(r.isBanned('alice', '203.0.113.1')).toBe(true);
    clock.now += MIN;
    expect(r.isBanned('alice', '203.0.113.1')).toBe(false);
    expect(r.activeBans()).toEqual([]);
  });

  it('a success clears the counters, but not an active ban', () => {
    const { r } = regulator();
    fail(r, 4, 'alice', '203.0.113.1');
    r.recordSuccess('alice', '203.0.113.1');
    expect(fail(r, 4, 'alice', '203.0.113.1')).toEqual([]);
    expect(r.isBanned('alice', '203.0.113.1')).toBe(false);
    r.recordFailure('alice', '203.0.113.1');
    expect(r.isBanned('alice', '203.0.113.1')).toBe(true);
    r.recordSuccess('alice', '203.0.113.1');
    expect(r.isBanned('alice', '203.0.113.1')).toBe(true);
  });

  it('unban lifts an account ban and an IP ban separately', () => {
    const { r } = regulator();
    fail(r, 5, 'alice', '203.0.113.1');
    expect(r.unban('alice')).toBe(true);
    expect(r.isBanned('alice', '198.51.100.9')).toBe(false);
    expect(r.isBanned('alice', '203.0.113.1')).toBe(true);
    expect(r.unban('203.0.113.1')).toBe(true);
    expect(r.isBanned('alice', '203.0.113.1')).toBe(false);
    expect(r.unban('nobody')).toBe(false);
  });

  it('restores bans read back from a file, ignoring expired ones', () => {
    const { r, clock } = regulator();
    r.restore('user', 'alice', clock.now + MIN);
    r.restore('ip', '203.0.113.1', clock.now - 1);
    expect(r.isBanned('alice', '198.51.100.9')).toBe(true);
    expect(r.isBanned(null, '203.0.113.1')).toBe(false);
  });

  it('counts an IPv6 /64 as one client', () => {
    expect(ipKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(ipKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(ipKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ipKey('203.0.113.1')).toBe('203.0.113.1');
    const { r } = regulator();
    for (let i = 1; i <= 5; i++) r.recordFailure(null, `2001:db8:1:2::${i.toString(16)}`);
    expect(r.isBanned(null, '2001:db8:1:2:ffff::99')).toBe(true);
    expect(r.isBanned(null, '2001:db8:1:3::1')).toBe(false);
  });

  it('does not lump every IPv4-mapped IPv6 client into one bucket', () => {
    expect(ipKey('::ffff:203.0.113.1')).not.toBe(ipKey('::ffff:198.51.100.2'));
    const { r } = regulator();
    fail(r, 5, null, '::ffff:203.0.113.1');
    expect(r.isBanned(null, '::ffff:198.51.100.2')).toBe(false);
  });

  it('unknown usernames get no account entry: only the IP counts', () => {
    const { r } = regulator();
    const events = [];
    for (let i = 0; i < 5; i++) events.push(...r.recordFailure(null, '203.0.113.1'));
    expect(events.map((e) => e.kind)).toEqual(['ip']);
  });

  describe('bounded tables', () => {
    it('never holds more than its capacity, and a flood of new clients does not evict a ban', () => {
      const { r } = regulator(100);
      fail(r, 5, 'alice', '203.0.113.1');
      for (let i = 0; i < 5_000; i++) r.recordFailure(null, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      expect(r.isBanned('alice', '198.51.100.9')).toBe(true);
      expect(r.isBanned(null, '203.0.113.1')).toBe(true);
    });

    it('when every slot is banned, the table stays bounded by dropping the ban closest to its end', () => {
      const { r, clock } = regulator(50);
      for (let i = 0; i < 200; i++) {
        fail(r, 5, null, `10.0.${i >> 8}.${i & 255}`);
        clock.now += 1;
      }
      const bans = r.activeBans();
      expect(bans.length).toBeLessThanOrEqual(50);
      expect(bans.length).toBeGreaterThan(0);
      // The newest bans are the ones kept.
      expect(r.isBanned(null, '10.0.0.199')).toBe(true);
      expect(r.isBanned(null, '10.0.0.0')).toBe(false);
    });

    it('the account table only grows with real accounts', () => {
      const { r } = regulator(10);
      fail(r, 5, 'alice', '203.0.113.1');
      for (let i = 0; i < 1_000; i++) r.recordFailure(null, `198.51.${(i >> 8) & 255}.${i & 255}`);
      expect(r.activeBans().filter((b) => b.kind === 'user')).toEqual([expect.objectContaining({ key: 'alice' })]);
    });
  });
});
