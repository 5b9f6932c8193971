import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { startReplica, type Replica } from '../support/replica.js';
import { seedUsers } from '../support/cli-accounts.js';
import { startTcpCut, type TcpCut } from '../support/tcp-cut.js';
import { checkStatus, http, REPLICA_SECRET, startTokenReplica, stopReplicas, tokenModeDataDir, tokenSession } from '../support/replica-http.js';
import { INSTANCE_TOKEN, PORTAL_ORIGIN, rawForwardAuthHeaders } from '../support/portal.js';

const GRACE_MS = 3_000;

/** The pino lines of one change of state (`down`, `failing_closed`, `up`) a replica printed. */
function stateLines(replica: Replica, state: string): Array<Record<string, unknown>> {
  return replica
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.storeState === state);
}

describe('Redis outage: two replicas fail closed and recover without a restart', () => {
  let redisDir: string;
  let redis: RunningRedis;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    redisDir = await mkdtemp(join(tmpdir(), 'gh-redis-'));
    redis = await startRedis({ dir: redisDir });
    const env = { GATEHOUSE_REDIS_URL: redis.url, GATEHOUSE_SESSION_SECRET: REPLICA_SECRET, GATEHOUSE_REDIS_GRACE: `${GRACE_MS / 1000}s` };
    [a, b] = await Promise.all([startTokenReplica(env), startTokenReplica(env)]);
  }, 60_000);

  afterAll(async () => {
    await stopReplicas(a, b);
    await redis?.close();
    await rm(redisDir, { recursive: true, force: true });
  });

  it('answers 503 to logins and logouts, 503 degraded health, passes checks within the grace and fails them closed after, then recovers', async () => {
    const { cookie } = await tokenSession(a.url);
    expect(cookie).toBeDefined();
    await expect.poll(() => checkStatus(b.url, cookie), { timeout: 3_000 }).toBe(200);
    expect((await http(a.url, 'GET', '/api/health')).status).toBe(200);

    await redis.close();
    for (const replica of [a, b]) await expect.poll(async () => (await http(replica.url, 'GET', '/api/health')).status, { timeout: 2_000 }).toBe(503);
    // Within the grace, checks go on from memory.
    expect(await checkStatus(b.url, cookie)).toBe(200);
    const health = (await http(a.url, 'GET', '/api/health')).json<{ status: string; store: { store: string; up: boolean } }>();
    expect(health.status).toBe('degraded');
    expect(health.store).toMatchObject({ store: 'redis', up: false });
    const metrics = await http(a.url, 'GET', '/metrics');
    expect(metrics.body).toContain('gatehouse_store_up{store="redis"} 0');

    // A login needs Redis: JSON callers get store_unavailable, a browser a page, never a 500 or a cookie.
    const login = await tokenSession(a.url);
    expect(login.answer.status).toBe(503);
    expect(login.answer.json()).toMatchObject({ error: 'store_unavailable' });
    expect(login.cookie).toBeUndefined();
    const page = await http(b.url, 'GET', '/login');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const csrfCookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('gatehouse_csrf='))!;
    const form = await http(b.url, 'POST', '/login', { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL_ORIGIN, accept: 'text/html', cookie: csrfCookie }, new URLSearchParams({ csrf, token: INSTANCE_TOKEN }).toString());
    expect(form.status).toBe(503);
    expect(form.headers['content-type']).toContain('text/html');
    expect(form.body).toContain('cannot reach its state store');
    // A logout that cannot reach Redis is refused whole: the session stays valid on every replica alike.
    const logout = await http(a.url, 'POST', '/api/auth/logout', { 'content-type': 'application/json', origin: PORTAL_ORIGIN, cookie: cookie! }, '{}');
    expect(logout.status).toBe(503);
    expect(logout.json()).toMatchObject({ error: 'store_unavailable' });

    // An admin change is refused whole too (the config lives in Redis).
    const rules = await http(a.url, 'PUT', '/api/admin/rules', { 'content-type': 'application/json', origin: PORTAL_ORIGIN, authorization: `Bearer ${INSTANCE_TOKEN}` }, JSON.stringify({ rules: [{ domain: 'app.example.com', policy: 'deny' }] }));
    expect(rules.status).toBe(503);
    expect(rules.json()).toMatchObject({ error: 'store_unavailable' });

    // After the grace, checks answer 503, never a pass.
    await expect.poll(() => checkStatus(b.url, cookie), { timeout: GRACE_MS + 3_000 }).toBe(503);
    const closed = await http(a.url, 'GET', '/api/authz/forward-auth', { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com', 'x-forwarded-uri': '/', cookie: cookie! });
    expect(closed.status).toBe(503);
    expect(closed.json()).toMatchObject({ error: 'store_unavailable' });

    redis = await startRedis({ port: redis.port, dir: redisDir });
    for (const replica of [a, b]) await expect.poll(async () => (await http(replica.url, 'GET', '/api/health')).status, { timeout: 8_000 }).toBe(200);
    // The session was acknowledged by Redis before the outage: it passes again on both, and logins work.
    expect(await checkStatus(a.url, cookie)).toBe(200);
    expect(await checkStatus(b.url, cookie)).toBe(200);
    expect((await tokenSession(b.url)).answer.status).toBe(200);
    // The refused rule change never happened.
    expect(await checkStatus(b.url, cookie)).toBe(200);

    for (const replica of [a, b]) {
      expect(replica.output()).not.toContain('[ioredis]');
      expect(replica.output()).not.toContain('Unhandled error event');
      expect(stateLines(replica, 'down')).toHaveLength(1);
      expect(stateLines(replica, 'failing_closed')).toHaveLength(1);
      const up = stateLines(replica, 'up');
      expect(up).toHaveLength(1);
      expect(up[0]!.downForMs).toBeGreaterThanOrEqual(GRACE_MS);
      expect(replica.output()).not.toMatch(/"statusCode":500|internal_error/);
    }
  }, 60_000);
});

describe('Redis partition: a session revoked on A while B could not hear it is refused on B once B is back', () => {
  let redis: RunningRedis;
  let link: TcpCut;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    redis = await startRedis();
    link = await startTcpCut(redis.port);
    const env = { GATEHOUSE_SESSION_SECRET: REPLICA_SECRET, GATEHOUSE_REDIS_GRACE: '60s' };
    [a, b] = await Promise.all([
      startTokenReplica({ ...env, GATEHOUSE_REDIS_URL: redis.url }),
      startTokenReplica({ ...env, GATEHOUSE_REDIS_URL: `redis://127.0.0.1:${link.port}/0` }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await stopReplicas(a, b);
    await link?.close();
    await redis?.close();
  });

  it('revoked-session-replay-after-partition: B resyncs on reconnect and refuses the revoked session', async () => {
    const { cookie } = await tokenSession(a.url);
    const kept = (await tokenSession(a.url)).cookie;
    await expect.poll(() => checkStatus(b.url, cookie), { timeout: 3_000 }).toBe(200);

    link.cut();
    await expect.poll(async () => (await http(b.url, 'GET', '/api/health')).status, { timeout: 3_000 }).toBe(503);
    const logout = await http(a.url, 'POST', '/api/auth/logout', { 'content-type': 'application/json', origin: PORTAL_ORIGIN, cookie: cookie! }, '{}');
    expect(logout.status).toBe(200);
    expect(await checkStatus(a.url, cookie)).not.toBe(200);
    // B missed the notice: within the grace it still judges from memory.
    expect(await checkStatus(b.url, cookie)).toBe(200);

    link.restore();
    await expect.poll(async () => (await http(b.url, 'GET', '/api/health')).status, { timeout: 8_000 }).toBe(200);
    await expect.poll(() => checkStatus(b.url, cookie), { timeout: 3_000 }).not.toBe(200);
    expect(await checkStatus(b.url, kept)).toBe(200);
  }, 60_000);
});

describe('Redis outage: a check that needs the store (a Basic pair to verify and audit) answers 503, not 500', () => {
  let redis: RunningRedis;
  let replica: Replica;

  beforeAll(async () => {
    redis = await startRedis();
    const dataDir = await tokenModeDataDir({ mode: 'userPassword', token: undefined });
    await seedUsers(dataDir, [{ username: 'alice', password: 'correct horse battery staple', role: 'admin' }]);
    replica = await startReplica({ GATEHOUSE_REDIS_URL: redis.url, GATEHOUSE_SESSION_SECRET: REPLICA_SECRET }, { dataDir });
  }, 60_000);

  afterAll(async () => {
    await replica?.stop();
    if (replica) await rm(replica.dataDir, { recursive: true, force: true });
    await redis?.close();
  });

  it('wrong Basic credentials during the outage are refused with 503 store_unavailable', async () => {
    const basic = (password: string) => ({ ...rawForwardAuthHeaders('https://app.example.com/'), authorization: `Basic ${Buffer.from(`alice:${password}`).toString('base64')}` });
    expect((await http(replica.url, 'GET', '/api/authz/forward-auth', basic('wrong password'))).status).toBe(401);
    await redis.close();
    await expect.poll(async () => (await http(replica.url, 'GET', '/api/health')).status, { timeout: 2_000 }).toBe(503);
    const answer = await http(replica.url, 'GET', '/api/authz/forward-auth', basic('another wrong one'));
    expect(answer.status).toBe(503);
    expect(answer.json()).toMatchObject({ error: 'store_unavailable' });
    expect(replica.output()).not.toContain('forward-auth check failed');
  }, 30_000);
});
