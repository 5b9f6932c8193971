import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ephemeralBackend, type EphemeralBackend } from '../../src/backend/ephemeral-backend.js';
import { StoreUnavailableError } from '../../src/backend/store-unavailable.js';
import { redisReplicas } from '../support/redis-replicas.js';

const RULE = { maxFailures: 5, windowMs: 10 * 60_000, lockMs: 15 * 60_000 };

describe('the ephemeral backend in Redis, seen from two replicas', () => {
  let world: Awaited<ReturnType<typeof redisReplicas>>;
  const clock = { now: Date.now() };
  let a: EphemeralBackend;
  let b: EphemeralBackend;

  beforeAll(async () => {
    world = await redisReplicas(2);
    a = ephemeralBackend(world.connections[0], () => clock.now);
    b = ephemeralBackend(world.connections[1], () => clock.now);
  });
  afterAll(() => world.close());

  it('a claim made on one replica is refused on the other until it expires', async () => {
    expect(a.shared).toBe(true);
    expect(await a.oneTime('t1').claim('x', clock.now + 60_000)).toBe(true);
    expect(await b.oneTime('t1').claim('x', clock.now + 60_000)).toBe(false);
    expect(await a.oneTime('t1').claim('x', clock.now + 60_000)).toBe(false);
    // Another namespace is another set of marks.
    expect(await b.oneTime('t2').claim('x', clock.now + 60_000)).toBe(true);
  });

  it('of many parallel claims of one id on two replicas, exactly one wins', async () => {
    const claims = Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).oneTime('race').claim('code', clock.now + 60_000));
    expect((await Promise.all(claims)).filter(Boolean)).toHaveLength(1);
  });

  it('a value put on one replica is taken once, on either', async () => {
    await a.oneTime('values').put('ceremony', 'challenge-1', clock.now + 60_000);
    const takes = await Promise.all([b.oneTime('values').take('ceremony'), a.oneTime('values').take('ceremony')]);
    expect(takes.filter((v) => v === 'challenge-1')).toHaveLength(1);
    expect(takes.filter((v) => v === undefined)).toHaveLength(1);
  });

  it('values and claims expire in Redis by themselves (bounded keys)', async () => {
    await a.oneTime('short').put('v', 'gone soon', clock.now + 50);
    expect(await a.oneTime('short').claim('c', clock.now + 50)).toBe(true);
    const keys = await world.connections[0]!.client.keys(`${world.prefix}once:short:*`);
    expect(keys.length).toBe(2);
    for (const key of keys) expect(await world.connections[0]!.client.pttl(key)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 120));
    expect(await b.oneTime('short').take('v')).toBeUndefined();
    expect(await b.oneTime('short').claim('c', clock.now + 60_000)).toBe(true);
  });

  it('failures are counted into one window: 4 on A and 1 on B lock, and both see the lock', async () => {
    const onA = a.lockouts('reg');
    const onB = b.lockouts('reg');
    for (let i = 0; i < 4; i++) expect(await onA.fail('ip:203.0.113.7', RULE)).toEqual({ lockedUntil: 0, started: false });
    const fifth = await onB.fail('ip:203.0.113.7', RULE);
    expect(fifth).toEqual({ lockedUntil: clock.now + RULE.lockMs, started: true });
    expect(await onA.lockedUntil('ip:203.0.113.7')).toBe(clock.now + RULE.lockMs);
    // While locked nothing more is counted, and the lock's end comes back.
    expect(await onA.fail('ip:203.0.113.7', RULE)).toEqual({ lockedUntil: clock.now + RULE.lockMs, started: false });
    expect(await onB.locks()).toEqual([{ subject: 'ip:203.0.113.7', until: clock.now + RULE.lockMs }]);
    expect(await onB.unlock(['ip:203.0.113.7', 'ip:198.51.100.1'])).toEqual(['ip:203.0.113.7']);
    expect(await onA.lockedUntil('ip:203.0.113.7')).toBe(0);
  });

  it('failures older than the window do not count, and a success forgives the count but not a lock', async () => {
    const onA = a.lockouts('window');
    const onB = b.lockouts('window');
    for (let i = 0; i < 4; i++) await onA.fail('user:alice', RULE);
    clock.now += RULE.windowMs + 1;
    expect((await onB.fail('user:alice', RULE)).started).toBe(false);
    for (let i = 0; i < 3; i++) await onB.fail('user:alice', RULE);
    await onA.forgive('user:alice');
    expect((await onB.fail('user:alice', RULE)).started).toBe(false);
    for (let i = 0; i < 4; i++) await onA.fail('user:alice', RULE);
    expect(await onB.lockedUntil('user:alice')).toBeGreaterThan(0);
    await onB.forgive('user:alice');
    expect(await onA.lockedUntil('user:alice')).toBeGreaterThan(0);
  });
});

describe('the ephemeral backend with Redis down', () => {
  it('a single-use check that cannot reach Redis refuses with StoreUnavailableError, never passes', async () => {
    const world = await redisReplicas(1);
    try {
      const backend = ephemeralBackend(world.connections[0], Date.now);
      await world.stopRedis();
      await expect(backend.oneTime('down').claim('x', Date.now() + 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(backend.oneTime('down').take('x')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(backend.lockouts('down').fail('ip:203.0.113.1', RULE)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(backend.lockouts('down').lockedUntil('ip:203.0.113.1')).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await world.close();
    }
  });
});

describe('the embedded backend', () => {
  it('keeps the same single-use and lockout semantics in memory', async () => {
    let now = 1_000;
    const backend = ephemeralBackend(undefined, () => now);
    expect(backend.shared).toBe(false);
    const once = backend.oneTime('x');
    expect(await once.claim('a', 2_000)).toBe(true);
    expect(await once.claim('a', 2_000)).toBe(false);
    await once.put('v', 'value', 2_000);
    expect(await once.take('v')).toBe('value');
    expect(await once.take('v')).toBeUndefined();
    now = 2_000;
    expect(await once.claim('a', 3_000)).toBe(true);
    const lockouts = backend.lockouts('y');
    for (let i = 0; i < 4; i++) await lockouts.fail('s', RULE);
    expect(await lockouts.fail('s', RULE)).toEqual({ lockedUntil: now + RULE.lockMs, started: true });
    expect(await lockouts.unlock(['s'])).toEqual(['s']);
  });
});
