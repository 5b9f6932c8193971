import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ephemeralBackend } from '../../src/backend/ephemeral-backend.js';
import type { RedisConnection } from '../../src/backend/redis-connection.js';
import { StoreUnavailableError } from '../../src/backend/store-unavailable.js';
import { SharedRegulation } from '../../src/security/shared-regulation.js';
import { redisReplicas } from '../support/redis-replicas.js';
import { eventually } from '../support/user-password.js';

const MIN = 60_000;
const SETTINGS = { maxRetries: 5, findTimeMs: 10 * MIN, banTimeMs: 15 * MIN };

/**
 * Attack: spread password guesses over several replicas behind a load
 * balancer, so each replica's own counter stays under maxRetries. The
 * counters and bans are in Redis, so N replicas give no more guesses than one.
 */
describe('regulation across replicas', () => {
  let world: Awaited<ReturnType<typeof redisReplicas>>;
  const clock = { now: Date.now() };
  let replicas: SharedRegulation[];

  function regulation(connection: RedisConnection): SharedRegulation {
    return new SharedRegulation(ephemeralBackend(connection, () => clock.now).lockouts('regulation'), connection, { settings: () => SETTINGS, now: () => clock.now, log: pino({ level: 'silent' }), resyncMs: 60_000 });
  }

  beforeEach(async () => {
    world = await redisReplicas(2);
    replicas = world.connections.map(regulation);
    for (const r of replicas) await r.start();
  });
  afterEach(async () => {
    for (const r of replicas) await r.close();
    await world.close();
  });

  it('4 wrong passwords on A and 1 on B ban the account and the address, on both replicas', async () => {
    const [a, b] = replicas as [SharedRegulation, SharedRegulation];
    for (let i = 0; i < 4; i++) expect(await a.recordFailure('alice', '203.0.113.9')).toEqual([]);
    expect(a.isBanned('alice', '198.51.100.1')).toBe(false);
    const bans = await b.recordFailure('alice', '203.0.113.9');
    expect(bans).toEqual([
      { kind: 'user', key: 'alice', until: clock.now + SETTINGS.banTimeMs },
      { kind: 'ip', key: '203.0.113.9', until: clock.now + SETTINGS.banTimeMs },
    ]);
    // B's memory at once; A's memory as soon as it hears the notice; Redis itself for both.
    expect(b.isBanned('alice', '198.51.100.1')).toBe(true);
    await eventually(() => a.isBanned('alice', '198.51.100.1') && a.isBanned(null, '203.0.113.9'), 2_000, 'A to hear the ban');
    expect(await a.checkBanned(null, '203.0.113.9')).toBe(true);
    expect(a.activeBans()).toHaveLength(2);
  });

  it('an unban on one replica (admin page or `gatehouse unban`) lifts the ban on every replica', async () => {
    const [a, b] = replicas as [SharedRegulation, SharedRegulation];
    for (let i = 0; i < 5; i++) await a.recordFailure(null, '203.0.113.10');
    await eventually(() => b.isBanned(null, '203.0.113.10'), 2_000, 'B to hear the ban');
    expect(await b.lift(['203.0.113.10'])).toBe(true);
    await eventually(() => !a.isBanned(null, '203.0.113.10'), 2_000, 'A to hear the unban');
    expect(await a.checkBanned(null, '203.0.113.10')).toBe(false);
    expect(await a.lift(['203.0.113.10'])).toBe(false);
  });

  it('the login path asks Redis, so a ban is in force before any notice arrives', async () => {
    const [a] = replicas as [SharedRegulation, SharedRegulation];
    // A third replica that never subscribed (its notices are lost): Redis still answers for it.
    const deaf = regulation(world.connections[1]!);
    for (let i = 0; i < 5; i++) await a.recordFailure(null, '203.0.113.11');
    expect(deaf.isBanned(null, '203.0.113.11')).toBe(false);
    expect(await deaf.checkBanned(null, '203.0.113.11')).toBe(true);
    expect(deaf.isBanned(null, '203.0.113.11')).toBe(true);
  });

  it('a missed notice is repaired by the resync: the mirror ends up holding exactly what Redis holds', async () => {
    const [a] = replicas as [SharedRegulation, SharedRegulation];
    const deaf = regulation(world.connections[1]!);
    for (let i = 0; i < 5; i++) await a.recordFailure('bob', '203.0.113.12');
    await deaf.resync();
    expect(deaf.activeBans().map((b) => b.key).sort()).toEqual(['203.0.113.12', 'bob']);
    await a.lift(['bob']);
    await deaf.resync();
    expect(deaf.activeBans().map((b) => b.key)).toEqual(['203.0.113.12']);
  });

  it('a forged or malformed notice on the channel changes nothing', async () => {
    const [a, b] = replicas as [SharedRegulation, SharedRegulation];
    for (let i = 0; i < 5; i++) await a.recordFailure(null, '203.0.113.13');
    await eventually(() => b.isBanned(null, '203.0.113.13'), 2_000, 'B to hear the ban');
    const channel = `${world.prefix}regulation`;
    for (const bad of ['not json', '{"op":"unban","keys":[]}', '{"op":"unban","keys":["203.0.113.13"],"extra":1}', '{"op":"ban","kind":"root","key":"x","until":1}']) {
      await world.connections[0]!.client.publish(channel, bad);
    }
    // A good notice sent after the bad ones arrives after them: once it is heard, they were too.
    await world.connections[0]!.client.publish(channel, JSON.stringify({ op: 'ban', kind: 'ip', key: '192.0.2.1', until: clock.now + MIN }));
    await eventually(() => b.isBanned(null, '192.0.2.1'), 2_000, 'B to hear the good notice');
    expect(b.isBanned(null, '203.0.113.13')).toBe(true);
    // The forged "ban root" notice added nothing: only the real ban and the good notice's.
    expect(b.activeBans().map((ban) => ban.key).sort()).toEqual(['192.0.2.1', '203.0.113.13']);
  });

  it('with Redis down, a login cannot be judged: counting and the ban check refuse with StoreUnavailableError', async () => {
    const [a] = replicas as [SharedRegulation, SharedRegulation];
    await world.stopRedis();
    await expect(a.checkBanned('alice', '203.0.113.15')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(a.recordFailure('alice', '203.0.113.15')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(a.lift(['alice'])).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('a success clears the counters on every replica, so earlier failures no longer count', async () => {
    const [a, b] = replicas as [SharedRegulation, SharedRegulation];
    for (let i = 0; i < 4; i++) await a.recordFailure('carol', '203.0.113.14');
    await b.recordSuccess('carol', '203.0.113.14');
    expect(await a.recordFailure('carol', '203.0.113.14')).toEqual([]);
    expect(a.isBanned('carol', '203.0.113.14')).toBe(false);
  });
});
