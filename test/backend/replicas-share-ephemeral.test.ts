import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { seedSecondFactor, seedUsers } from '../support/cli-accounts.js';
import { gatehouse } from '../support/cli.js';
import { codeAt } from '../support/mfa.js';
import { startRedis } from '../support/redis.js';
import { ReplicaClient } from '../support/replica-client.js';
import { REPLICA_SECRET } from '../support/replica-http.js';
import { startReplica, type Replica } from '../support/replica.js';
import { ALICE, BOB, eventually, PORTAL } from '../support/user-password.js';

const ATTACKER = '203.0.113.66';

/** A JSON login from `ip` (the replicas trust 127.0.0.1 as a proxy, so X-Forwarded-For names the client). */
async function login(replica: Replica, username: string, password: string, ip: string): Promise<{ status: number; session: string | undefined }> {
  const res = await fetch(`${replica.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: PORTAL, 'x-forwarded-for': ip },
    body: JSON.stringify({ username, password }),
  });
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  await res.arrayBuffer();
  return { status: res.status, session: cookie?.slice(SESSION_COOKIE.length + 1) };
}

/** The second step of a JSON login: the code for a partial session. */
async function secondFactor(replica: Replica, partial: string, code: string): Promise<number> {
  const res = await fetch(`${replica.url}/api/auth/2fa`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: PORTAL, cookie: `${SESSION_COOKIE}=${partial}` },
    body: JSON.stringify({ code }),
  });
  await res.arrayBuffer();
  return res.status;
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * Two Gatehouse replicas, each its own OS process with its own data dir, on
 * one real Redis: what is single-use or counted is shared, so an attacker
 * who spreads attempts over the replicas gets nothing more than from one.
 */
describe('replicas share one-time values and counters through Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let env: Record<string, string>;
  let a: Replica;
  let b: Replica;
  let totp: { secret: string; recoveryCodes: string[] };

  beforeAll(async () => {
    redis = await startRedis();
    env = { GATEHOUSE_REDIS_URL: redis.url, GATEHOUSE_REDIS_PREFIX: 'gh-ephemeral:', GATEHOUSE_SESSION_SECRET: REPLICA_SECRET, GATEHOUSE_PORTAL_URL: PORTAL };
    const seeded = await mkdtemp(join(tmpdir(), 'gh-ephemeral-'));
    await writeFile(join(seeded, 'config.json'), JSON.stringify({ version: 1, mode: 'userPassword', domains: ['example.com'], security: { bcryptCost: 12 } }));
    const [alice] = await seedUsers(seeded, [ALICE, BOB]);
    totp = await seedSecondFactor(seeded, alice!, REPLICA_SECRET);
    a = await startReplica(env, { dataDir: seeded });
    b = await startReplica(env);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.close();
  });

  it('4 wrong passwords on A and 1 on B ban (maxRetries 5) on both; `gatehouse unban` lifts it on both', async () => {
    for (let i = 0; i < 4; i++) expect((await login(a, BOB.username, `wrong guess ${i}`, ATTACKER)).status).toBe(401);
    expect((await login(b, BOB.username, 'wrong guess 4', ATTACKER)).status).toBe(401);
    // The account is banned from any address, on either replica; so is Basic on the check.
    expect((await login(a, BOB.username, BOB.password, '198.51.100.20')).status).toBe(401);
    expect((await login(b, BOB.username, BOB.password, '198.51.100.21')).status).toBe(401);
    expect(await new ReplicaClient(a.url).check({ authorization: basic(BOB.username, BOB.password) })).toBe(401);

    const cliDir = await mkdtemp(join(tmpdir(), 'gh-ephemeral-cli-'));
    const lifted = await gatehouse(cliDir, ['unban', BOB.username], '', env);
    expect(lifted.stderr).toContain('lifted 1 ban(s) for bob');
    expect(lifted.code).toBe(0);
    expect((await gatehouse(cliDir, ['unban', BOB.username], '', env)).code).toBe(1);
    await eventually(async () => (await login(a, BOB.username, BOB.password, '198.51.100.22')).status === 200, 2_000, 'A to let bob in');
    expect((await login(b, BOB.username, BOB.password, '198.51.100.23')).status).toBe(200);
    // The attacker's address stays banned until it is lifted too.
    expect((await login(b, BOB.username, BOB.password, ATTACKER)).status).toBe(401);
    expect((await gatehouse(cliDir, ['unban', ATTACKER], '', env)).code).toBe(0);
    await eventually(async () => (await login(a, BOB.username, BOB.password, ATTACKER)).status === 200, 2_000, 'A to let the address in');
  });

  it('a TOTP code used on A is refused on B', async () => {
    const onA = await login(a, ALICE.username, ALICE.password, '198.51.100.30');
    const onB = await login(b, ALICE.username, ALICE.password, '198.51.100.31');
    expect(onA.status).toBe(200);
    expect(onB.status).toBe(200);
    const code = await codeAt(totp.secret, Date.now());
    expect(await secondFactor(a, onA.session!, code)).toBe(200);
    expect(await secondFactor(b, onB.session!, code)).toBe(401);
  });

  it('one recovery code sent to both replicas at once: exactly one success', async () => {
    const onA = await login(a, ALICE.username, ALICE.password, '198.51.100.32');
    const onB = await login(b, ALICE.username, ALICE.password, '198.51.100.33');
    const code = totp.recoveryCodes[0]!;
    const statuses = await Promise.all([secondFactor(a, onA.session!, code), secondFactor(b, onB.session!, code)]);
    expect(statuses.sort()).toEqual([200, 401]);
    // Spent everywhere: a later try on either replica is refused too.
    const again = await login(a, ALICE.username, ALICE.password, '198.51.100.34');
    expect(await secondFactor(a, again.session!, code)).toBe(401);
  });
});
