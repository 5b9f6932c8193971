import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnection } from '../../src/backend/redis-connection.js';
import { seedUsers } from '../support/cli-accounts.js';
import { gatehouse } from '../support/cli.js';
import { startRedis } from '../support/redis.js';
import { ReplicaClient } from '../support/replica-client.js';
import { startReplica, type Replica } from '../support/replica.js';
import { ALICE, BOB, PORTAL } from '../support/user-password.js';

const SECRET = 'replica-test-session-secret-0123456789abcdef';
const SECRET_HOST = 'https://secret.example.com/';
/** The bound: an admin change on one replica is in force on the others within a second. */
const PROPAGATION_MS = 1_000;

/**
 * Two (or three) Gatehouse replicas, each its own OS process with its own
 * data dir, on one real Redis: documents (config, users, tokens) are shared.
 */
describe('replicas share every document through Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  const replicas: Replica[] = [];
  let installations = 0;

  /** Env for one installation: its own key prefix on the shared Redis. */
  function installation(): Record<string, string> {
    return { GATEHOUSE_REDIS_URL: redis.url, GATEHOUSE_REDIS_PREFIX: `gh-share-${++installations}:`, GATEHOUSE_SESSION_SECRET: SECRET, GATEHOUSE_PORTAL_URL: PORTAL };
  }

  async function dataDir(config: Record<string, unknown> | null, users: Array<typeof ALICE> = []): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'gh-share-'));
    if (config) await writeFile(join(dir, 'config.json'), JSON.stringify({ version: 1, domains: ['example.com'], security: { bcryptCost: 12 }, ...config }));
    if (users.length > 0) await seedUsers(dir, users);
    return dir;
  }

  async function replica(env: Record<string, string>, dir?: string): Promise<Replica> {
    const started = await startReplica(env, dir ? { dataDir: dir } : {});
    replicas.push(started);
    return started;
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await redis.close();
  });

  it('the first start imports the data dir once (logged and audited); an empty data dir joins with the same mode, users and rules; a later data dir does not overwrite Redis', async () => {
    const env = installation();
    const seeded = await dataDir({ mode: 'userPassword', rules: [{ domain: 'secret.example.com', policy: 'deny' }] }, [ALICE]);
    const a = await replica(env, seeded);
    expect(a.output()).toMatch(/imported config\.json, users\.json/);
    // The audit trail is shared too: any replica or the CLI shows the import.
    const audited = await gatehouse(await dataDir(null), ['audit', '--event', 'backend.import', '--json'], '', env);
    expect(audited.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([expect.objectContaining({ event: 'backend.import', actor: 'system' })]);

    const b = await replica(env);
    const client = new ReplicaClient(b.url);
    const { status, session } = await client.signIn(ALICE.username, ALICE.password);
    expect(status).toBe(200);
    expect(await client.check({ session: session! })).toBe(200);
    expect(await client.check({ session: session!, url: SECRET_HOST })).toBe(403);
    expect(b.output()).not.toMatch(/imported/);

    // A third replica whose data dir says open mode: Redis wins, and says so.
    const c = await replica(env, await dataDir({ mode: 'open' }));
    expect(c.output()).not.toMatch(/imported/);
    expect(c.output()).toMatch(/config\.json differ from the shared state in Redis; Redis wins/);
    expect(await new ReplicaClient(c.url).check({})).toBe(401);
  });

  it('two replicas starting together against an empty Redis: exactly one imports, and both serve what it imported', async () => {
    const env = installation();
    const [x, y] = await Promise.all([
      replica(env, await dataDir({ mode: 'userPassword' }, [ALICE])),
      replica(env, await dataDir({ mode: 'userPassword' }, [BOB])),
    ]);
    const importers = [x!, y!].filter((r) => /imported config\.json/.test(r.output()));
    expect(importers).toHaveLength(1);
    const winner = importers[0] === x ? ALICE : BOB;
    for (const r of [x!, y!]) expect((await new ReplicaClient(r.url).signIn(winner.username, winner.password)).status).toBe(200);
  });

  it('with Redis, the data-dir lock does not apply: two replicas may start on one data dir', async () => {
    const env = installation();
    const shared = await dataDir({ mode: 'userPassword' }, [ALICE]);
    const [x, y] = await Promise.all([replica(env, shared), replica(env, shared)]);
    for (const r of [x!, y!]) expect((await new ReplicaClient(r.url).signIn(ALICE.username, ALICE.password)).status).toBe(200);
  });

  describe('changes made on one replica', () => {
    let env: Record<string, string>;
    let a: ReplicaClient;
    let b: ReplicaClient;
    let second: Replica;
    let admin: string;

    beforeAll(async () => {
      env = installation();
      const first = await replica(env, await dataDir({ mode: 'userPassword' }, [ALICE]));
      second = await replica(env);
      a = new ReplicaClient(first.url);
      b = new ReplicaClient(second.url);
      admin = (await a.signIn(ALICE.username, ALICE.password)).session!;
    });

    /** The usernames replica `r` knows, from its admin API (cheap enough to poll, unlike a bcrypt sign-in). */
    async function usernames(r: ReplicaClient): Promise<string[]> {
      return ((await r.get('/api/admin/users', admin)).json as { users: Array<{ username: string }> }).users.map((u) => u.username);
    }

    it('a user added on A is known on B within a second, and signs in there', async () => {
      const created = await a.write('POST', '/api/admin/users', admin, { username: 'carol', role: 'viewer', password: 'carol has a long passphrase' });
      expect(created.status).toBe(201);
      await expect.poll(() => usernames(b), { timeout: PROPAGATION_MS, interval: 50 }).toContain('carol');
      expect((await b.signIn('carol', 'carol has a long passphrase')).status).toBe(200);
    });

    it('a rule changed on A is in force on B within a second', async () => {
      expect(await b.check({ session: admin, url: SECRET_HOST })).toBe(200);
      const put = await a.write('PUT', '/api/admin/rules', admin, { rules: [{ domain: 'secret.example.com', policy: 'deny' }] });
      expect(put.status).toBe(200);
      await expect.poll(() => b.check({ session: admin, url: SECRET_HOST }), { timeout: PROPAGATION_MS, interval: 50 }).toBe(403);
    });

    it('an API token created on A works on B, and once revoked on A is refused on B within a second', async () => {
      const created = await a.write('POST', '/api/auth/tokens', admin, { name: 'script' });
      expect(created.status).toBe(201);
      const { token, id } = created.json as { token: string; id: string };
      const authorization = `Bearer ${token}`;
      await expect.poll(() => b.check({ authorization }), { timeout: PROPAGATION_MS, interval: 50 }).toBe(200);
      expect((await a.write('DELETE', `/api/auth/tokens/${id}`, admin)).status).toBe(200);
      await expect.poll(() => b.check({ authorization }), { timeout: PROPAGATION_MS, interval: 50 }).toBe(401);
    });

    it('gatehouse user add with the Redis URL and an empty data dir is seen by the running replicas', async () => {
      const cliDir = await dataDir(null);
      const added = await gatehouse(cliDir, ['user', 'add', 'dave', '--role', 'viewer', '--password-stdin'], 'dave has a long passphrase\n', env);
      expect(added.code, added.stderr).toBe(0);
      await expect.poll(() => usernames(a), { timeout: PROPAGATION_MS, interval: 50 }).toContain('dave');
      expect((await a.signIn('dave', 'dave has a long passphrase')).status).toBe(200);
      expect((await b.signIn('dave', 'dave has a long passphrase')).status).toBe(200);
    });

    it('gatehouse token create and token revoke with the Redis URL are in force on a running replica', async () => {
      const cliDir = await dataDir(null);
      const created = await gatehouse(cliDir, ['token', 'create', '--user', 'alice', '--name', 'cli-script'], '', env);
      expect(created.code, created.stderr).toBe(0);
      const token = /gh_[0-9a-f]{16}_\S+/.exec(created.stdout)?.[0];
      expect(token).toBeDefined();
      const authorization = `Bearer ${token}`;
      await expect.poll(() => b.check({ authorization }), { timeout: PROPAGATION_MS, interval: 50 }).toBe(200);
      const revoked = await gatehouse(cliDir, ['token', 'revoke', token!.slice(3, 19)], '', env);
      expect(revoked.code, revoked.stderr).toBe(0);
      await expect.poll(() => b.check({ authorization }), { timeout: PROPAGATION_MS, interval: 50 }).toBe(401);
    });

    it('bad users and tokens documents written into Redis by hand are refused by the running replica, which keeps the last good ones', async () => {
      const connection = new RedisConnection({ url: redis.url, prefix: env.GATEHOUSE_REDIS_PREFIX! });
      await connection.connect();
      const bad = { users: '{"version":1,"users":[{"username":"mallory","role":"admin"}]}', tokens: '{"version":1,"tokens":[{"id":"x"}]}' };
      const good: Record<string, string> = {};
      try {
        for (const [name, json] of Object.entries(bad)) {
          const key = connection.key('doc', name);
          good[name] = (await connection.client.hget(key, 'json'))!;
          await connection.client.hset(key, 'json', json);
          await connection.client.publish(connection.key('doc-changed'), `${name}.json`);
          await expect.poll(() => second.output(), { timeout: 5_000 }).toMatch(new RegExp(`refused an invalid edit of redis \\S+doc:${name}`));
        }
        expect(await usernames(b)).toContain('alice');
        expect((await b.signIn(ALICE.username, ALICE.password)).status).toBe(200);
      } finally {
        for (const [name, json] of Object.entries(good)) await connection.client.hset(connection.key('doc', name), 'json', json);
        await connection.close();
      }
    });

    it('the instance token rotated and the mode switched on A are in force on B within a second', async () => {
      const rotated = await a.write('POST', '/api/admin/instance-token', admin);
      expect(rotated.status).toBe(201);
      const authorization = `Bearer ${(rotated.json as { token: string }).token}`;
      expect(await b.check({ authorization })).toBe(401);
      const switched = await a.write('POST', '/api/admin/mode', admin, { mode: 'token' });
      expect(switched.status, JSON.stringify(switched.json)).toBe(200);
      await expect.poll(() => b.check({ authorization }), { timeout: PROPAGATION_MS, interval: 50 }).toBe(200);
    });
  });
});
