import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '../../src/sessions/redis-session-store.js';
import { RedisConnection } from '../../src/backend/redis-connection.js';
import { SessionManager } from '../../src/sessions/session-manager.js';
import { systemRandom } from '../../src/crypto/random.js';
import { TOKEN_PRINCIPAL } from '../../strategies/token.js';
import { startRedis } from '../support/redis.js';

const timeouts = () => ({ ttlMs: 3_600_000, idleMs: 600_000 });
const newSession = { mode: 'token' as const, principal: TOKEN_PRINCIPAL, amr: ['tok'], acr: 'aal2' as const, mfaAt: null, ip: '203.0.113.9', userAgent: 'test' };

describe('Redis session store (several replicas)', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  const stores: RedisSessionStore[] = [];
  const connections: RedisConnection[] = [];

  async function replica(): Promise<SessionManager> {
    const connection = new RedisConnection({ url: redis.url, prefix: 'gatehouse:' });
    await connection.connect();
    connections.push(connection);
    const store = new RedisSessionStore(connection, Date.now, 0);
    await store.load();
    stores.push(store);
    return new SessionManager(store, { now: Date.now, random: systemRandom, timeouts });
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    for (const connection of connections) await connection.close();
    await redis.close();
  });

  it('a session created on one replica passes on another, and a logout on one ends it on both', async () => {
    const a = await replica();
    const b = await replica();
    const { cookieValue, record } = await a.create(newSession);
    await expect.poll(() => b.verify(cookieValue, 'token')?.id, { timeout: 3000 }).toBe(record.id);
    await b.revoke(record.id);
    await expect.poll(() => a.verify(cookieValue, 'token'), { timeout: 3000 }).toBeNull();
  });

  it('sessions survive a restart: a new replica loads them from Redis', async () => {
    const a = await replica();
    const { cookieValue, record } = await a.create(newSession);
    const fresh = await replica();
    expect(fresh.verify(cookieValue, 'token')?.id).toBe(record.id);
    expect(fresh.verify(`${record.id}.${'x'.repeat(43)}`, 'token')).toBeNull();
  });
});
