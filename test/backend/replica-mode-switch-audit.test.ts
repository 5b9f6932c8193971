import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouse } from '../support/cli.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { startReplica, type Replica } from '../support/replica.js';
import { http, REPLICA_SECRET, startTokenReplica, stopReplicas } from '../support/replica-http.js';
import { INSTANCE_TOKEN, PORTAL_ORIGIN } from '../support/portal.js';

const WINDOW_S = 3;
const JSON_WRITE = { 'content-type': 'application/json', origin: PORTAL_ORIGIN };
const AS_TOKEN_ADMIN = { ...JSON_WRITE, authorization: `Bearer ${INSTANCE_TOKEN}` };

interface ModeView {
  mode: string;
  pending: { from: string; to: string } | null;
}

async function modeOf(replica: Replica, headers: Record<string, string> = {}): Promise<ModeView> {
  return (await http(replica.url, 'GET', '/api/admin/mode', headers)).json<ModeView>();
}

async function auditEvents(replica: Replica, event: string, headers: Record<string, string> = {}): Promise<Array<{ event: string; actor: string }>> {
  const answer = await http(replica.url, 'GET', `/api/admin/audit?event=${event}&pageSize=200`, headers);
  expect(answer.status).toBe(200);
  return answer.json<{ events: Array<{ event: string; actor: string }> }>().events;
}

describe('two replicas share the pending mode switch and the audit trail through Redis', () => {
  let redis: RunningRedis;
  let a: Replica;
  let b: Replica;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedis();
    env = { GATEHOUSE_REDIS_URL: redis.url, GATEHOUSE_SESSION_SECRET: REPLICA_SECRET };
    // A's data dir is imported into the empty Redis; B joins with an empty one.
    a = await startTokenReplica(env, { security: { switchConfirmWindow: `${WINDOW_S}s` } });
    b = await startReplica(env);
  }, 60_000);

  afterAll(async () => {
    await stopReplicas(a, b);
    await redis?.close();
  });

  it('a switch started on A is confirmed from B, and both replicas audit into one trail that either shows', async () => {
    const started = await http(a.url, 'POST', '/api/admin/mode', AS_TOKEN_ADMIN, JSON.stringify({ mode: 'open', confirmation: 'open' }));
    expect(started.status).toBe(200);
    await expect.poll(async () => (await modeOf(b)).pending?.to, { timeout: 3_000 }).toBe('open');

    const confirmed = await http(b.url, 'POST', '/api/admin/mode/confirm', JSON_WRITE, '{}');
    expect(confirmed.status).toBe(200);
    expect(confirmed.json()).toMatchObject({ ok: true, mode: 'open' });
    await expect.poll(async () => (await modeOf(a)).pending, { timeout: 3_000 }).toBeNull();

    for (const replica of [a, b]) {
      const events = (await auditEvents(replica, 'mode')).map((e) => e.event);
      expect(events).toContain('mode.switch');
      expect(events).toContain('mode.confirm');
    }
    const cliDir = await mkdtemp(join(tmpdir(), 'gh-cli-'));
    const cli = await gatehouse(cliDir, ['audit', '--event', 'mode', '--json'], '', { GATEHOUSE_REDIS_URL: redis.url }).finally(() => rm(cliDir, { recursive: true, force: true }));
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('"mode.switch"');
    expect(cli.stdout).toContain('"mode.confirm"');
    // Long after the deadline: a confirmed switch is never rolled back.
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000 + 1000));
    expect((await modeOf(a)).mode).toBe('open');
  }, 30_000);

  it('an unconfirmed switch rolls back once on time, by the replica that is alive when its starter is gone', async () => {
    const started = await http(b.url, 'POST', '/api/admin/mode', JSON_WRITE, JSON.stringify({ mode: 'token' }));
    expect(started.status).toBe(200);
    await expect.poll(async () => (await modeOf(a, AS_TOKEN_ADMIN)).pending?.to, { timeout: 3_000 }).toBe('token');
    await b.stop();
    await expect.poll(async () => (await modeOf(a)).mode, { timeout: WINDOW_S * 1000 + 5_000 }).toBe('open');
    expect((await modeOf(a)).pending).toBeNull();
    expect(await auditEvents(a, 'mode.rollback')).toHaveLength(1);
  }, 30_000);

  it('gatehouse recover against Redis cancels a switch pending on the replicas, so it never rolls back over the recovery', async () => {
    const started = await http(a.url, 'POST', '/api/admin/mode', JSON_WRITE, JSON.stringify({ mode: 'token' }));
    expect(started.status).toBe(200);
    const cliDir = await mkdtemp(join(tmpdir(), 'gh-cli-'));
    const recovered = await gatehouse(cliDir, ['recover'], '', env);
    expect(recovered.code).toBe(0);
    await expect.poll(async () => (await http(a.url, 'GET', '/api/health')).json<{ mode: string }>().mode, { timeout: 3_000 }).toBe('userPassword');
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000 + 1000));
    expect((await http(a.url, 'GET', '/api/health')).json<{ mode: string }>().mode).toBe('userPassword');
    // The one rollback in the trail is the previous test's.
    const trail = await gatehouse(cliDir, ['audit', '--event', 'mode.rollback', '--json'], '', env);
    expect(trail.code).toBe(0);
    const rollbacks = trail.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event: string });
    expect(rollbacks.map((e) => e.event)).toEqual(['mode.rollback']);
    await rm(cliDir, { recursive: true, force: true });
  }, 30_000);
});
