import { describe, expect, it } from 'vitest';
import { RedisSessionStore } from '../../src/sessions/redis-session-store.js';
import { SessionManager } from '../../src/sessions/session-manager.js';
import { RedisAuditLog } from '../../src/audit/redis-audit-log.js';
import { RedisPendingSwitchStore } from '../../src/admin/redis-pending-switch-store.js';
import { systemRandom } from '../../src/crypto/random.js';
import { TOKEN_PRINCIPAL } from '../../strategies/token.js';
import { redisSuite } from '../support/redis-suite.js';

const timeouts = () => ({ ttlMs: 3_600_000, idleMs: 600_000 });
const newSession = { mode: 'token' as const, principal: TOKEN_PRINCIPAL, amr: ['tok'], acr: 'aal2' as const, mfaAt: null, ip: '203.0.113.9', userAgent: 'test' };

describe('two installations on one Redis, told apart by GATEHOUSE_REDIS_PREFIX', () => {
  const bed = redisSuite('prefix');

  async function installation(prefix: string) {
    const connection = await bed.connect({ prefix });
    const store = new RedisSessionStore(connection, Date.now, 0, 0);
    await store.load();
    const pending = new RedisPendingSwitchStore(connection);
    await pending.load();
    bed.onClose(() => store.close());
    bed.onClose(() => pending.close());
    return { connection, sessions: new SessionManager(store, { now: Date.now, random: systemRandom, timeouts }), store, audit: new RedisAuditLog(() => connection), pending };
  }

  it('cross-installation-session-replay: a session, an audit event or a pending switch of one prefix is invisible to the other', async () => {
    const staging = await installation('gatehouse-staging:');
    const prod = await installation('gatehouse-prod:');
    const { cookieValue } = await staging.sessions.create(newSession);
    await staging.audit.record({ event: 'login.success', actor: 'token' });
    await staging.pending.save({ from: 'token', to: 'open', by: 'admin', at: 1, deadline: 2 });

    await prod.store.resync();
    expect(prod.sessions.verify(cookieValue, 'token')).toBeNull();
    expect(await prod.audit.read()).toEqual([]);
    expect(await prod.pending.load()).toBeNull();
    expect(staging.sessions.verify(cookieValue, 'token')).not.toBeNull();
    expect(await staging.audit.read()).toHaveLength(1);
    const keys = await staging.connection.client.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith('gatehouse-staging:'))).toBe(true);
  });
});
