import { beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/backend/store-unavailable.js';
import { RedisSessionStore } from '../../src/sessions/redis-session-store.js';
import { SessionManager } from '../../src/sessions/session-manager.js';
import { systemRandom } from '../../src/crypto/random.js';
import { TOKEN_PRINCIPAL } from '../../strategies/token.js';
import { redisSuite } from '../support/redis-suite.js';
import { startTcpCut, type TcpCut } from '../support/tcp-cut.js';

const timeouts = () => ({ ttlMs: 3_600_000, idleMs: 600_000 });
const newSession = { mode: 'token' as const, principal: TOKEN_PRINCIPAL, amr: ['tok'], acr: 'aal2' as const, mfaAt: null, ip: '203.0.113.9', userAgent: 'test' };

describe('Redis session store during an outage', () => {
  const bed = redisSuite('session-outage');
  let link: TcpCut;

  async function replica(port: number) {
    const connection = await bed.connect({ prefix: 'gatehouse:', url: `redis://127.0.0.1:${port}/0` });
    const store = new RedisSessionStore(connection, Date.now, 0, 0);
    await store.load();
    bed.onClose(() => store.close());
    return { connection, store, sessions: new SessionManager(store, { now: Date.now, random: systemRandom, timeouts }) };
  }

  beforeAll(async () => {
    link = await startTcpCut(bed.server.port);
    bed.onClose(() => link.close());
  });

  it('split-brain-session: a login or logout that cannot reach Redis fails whole and changes no replica', async () => {
    const cut = await replica(link.port);
    const other = await replica(bed.server.port);
    const { cookieValue, record } = await cut.sessions.create(newSession);
    await expect.poll(() => other.sessions.verify(cookieValue, 'token')?.id, { timeout: 2_000 }).toBe(record.id);

    link.cut();
    await expect.poll(() => cut.connection.isUp, { timeout: 2_000 }).toBe(false);
    const before = [...cut.store.all()].length;
    await expect(cut.sessions.create(newSession)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect([...cut.store.all()]).toHaveLength(before);
    await expect(cut.sessions.revoke(record.id)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(cut.sessions.verify(cookieValue, 'token')?.id).toBe(record.id);
    expect(other.sessions.verify(cookieValue, 'token')?.id).toBe(record.id);

    // Meanwhile the reachable replica creates a session; the cut one learns it on reconnect.
    const created = await other.sessions.create(newSession);
    link.restore();
    await expect.poll(() => cut.connection.isUp, { timeout: 5_000 }).toBe(true);
    await expect.poll(() => cut.sessions.verify(created.cookieValue, 'token')?.id, { timeout: 3_000 }).toBe(created.record.id);
  });

  it('last-seen times that could not be flushed are kept and written once Redis is back', async () => {
    const cut = await replica(link.port);
    const { record } = await cut.sessions.create(newSession);
    link.cut();
    await expect.poll(() => cut.connection.isUp, { timeout: 2_000 }).toBe(false);
    const seenAt = record.lastSeenAt + 60_000;
    cut.store.touch(record.id, seenAt);
    await expect(cut.store.flush()).rejects.toBeInstanceOf(StoreUnavailableError);
    link.restore();
    await expect.poll(() => cut.connection.isUp, { timeout: 5_000 }).toBe(true);
    await cut.store.flush();
    const stored = JSON.parse((await cut.connection.client.get(`gatehouse:session:${record.id}`))!) as { lastSeenAt: number };
    expect(stored.lastSeenAt).toBe(seenAt);
  });

  it('a revocation whose notice was missed is caught by the periodic resync', async () => {
    const connection = await bed.connect({ prefix: 'periodic:' });
    const store = new RedisSessionStore(connection, Date.now, 0, 200);
    await store.load();
    bed.onClose(() => store.close());
    const sessions = new SessionManager(store, { now: Date.now, random: systemRandom, timeouts });
    const gone = await sessions.create(newSession);
    const kept = await sessions.create(newSession);
    const keptRecord = store.get(kept.record.id);
    // Deleted behind the store's back: no notice on the channel.
    await connection.client.del(`periodic:session:${gone.record.id}`);
    expect(sessions.verify(gone.cookieValue, 'token')).not.toBeNull();
    await expect.poll(() => sessions.verify(gone.cookieValue, 'token'), { timeout: 3_000 }).toBeNull();
    expect(sessions.verify(kept.cookieValue, 'token')?.id).toBe(kept.record.id);
    // An unchanged session keeps its in-memory object across resyncs.
    expect(store.get(kept.record.id)).toBe(keptRecord);
  });
});
