import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSentinelSet, SENTINEL_MASTER, type SentinelSet } from '../support/redis-sentinel.js';
import { startReplica, type Replica } from '../support/replica.js';
import { checkStatus, http, REPLICA_SECRET, startTokenReplica, stopReplicas, tokenSession } from '../support/replica-http.js';

describe('Redis Sentinel: a failover under load', () => {
  let set: SentinelSet;
  let a: Replica;
  let b: Replica;
  let env: Record<string, string>;

  beforeAll(async () => {
    set = await startSentinelSet();
    env = {
      GATEHOUSE_REDIS_URL: `redis://${SENTINEL_MASTER}/0`,
      GATEHOUSE_REDIS_SENTINELS: set.sentinelList,
      GATEHOUSE_REDIS_SENTINEL_MASTER: SENTINEL_MASTER,
      GATEHOUSE_SESSION_SECRET: REPLICA_SECRET,
    };
    a = await startTokenReplica(env);
    b = await startReplica(env);
  }, 90_000);

  afterAll(async () => {
    await stopReplicas(a, b);
    await set?.close();
  });

  it('kill the master: the replica is promoted, checks carry on, and every session Redis acknowledged passes on both replicas', async () => {
    const { cookie: existing } = await tokenSession(a.url);
    await expect.poll(() => checkStatus(b.url, existing), { timeout: 3_000 }).toBe(200);
    const oldMaster = set.master.port;

    const acknowledged: string[] = [];
    const loginStatuses = new Set<number>();
    const checkStatuses = new Set<number>();
    let stop = false;
    const logins = (async () => {
      for (let i = 0; !stop; i++) {
        const { cookie, answer } = await tokenSession(i % 2 === 0 ? a.url : b.url);
        loginStatuses.add(answer.status);
        if (answer.status === 200 && cookie) acknowledged.push(cookie);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const checks = (async () => {
      while (!stop) {
        checkStatuses.add(await checkStatus(a.url, existing));
        checkStatuses.add(await checkStatus(b.url, existing));
      }
    })();

    await expect.poll(() => acknowledged.length, { timeout: 5_000 }).toBeGreaterThan(10);
    await set.master.close('SIGKILL');
    const before = acknowledged.length;
    await expect.poll(() => set.masterPort(), { timeout: 30_000, interval: 200 }).toBe(set.replica.port);
    // Logins succeed again on the new master, through both replicas.
    await expect.poll(() => acknowledged.length, { timeout: 20_000 }).toBeGreaterThan(before + 10);
    stop = true;
    await Promise.all([logins, checks]);

    expect(set.replica.port).not.toBe(oldMaster);
    // Checks judged from memory through the whole failover; a login during it is 503, never 500.
    expect([...checkStatuses]).toEqual([200]);
    expect([...loginStatuses].every((s) => s === 200 || s === 503)).toBe(true);
    for (const replica of [a, b]) expect((await http(replica.url, 'GET', '/api/health')).status).toBe(200);
    for (const cookie of acknowledged) {
      expect(await checkStatus(a.url, cookie)).toBe(200);
      expect(await checkStatus(b.url, cookie)).toBe(200);
    }
    for (const replica of [a, b]) expect(replica.output()).not.toContain('[ioredis]');
    // A replica started now knows only what the new master holds: every acknowledged session is there.
    const fresh = await startReplica(env);
    try {
      for (const cookie of acknowledged) expect(await checkStatus(fresh.url, cookie)).toBe(200);
    } finally {
      await fresh.stop();
    }
  }, 90_000);
});
