import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { startReplica } from '../support/replica.js';
import { checkStatus, http, REPLICA_SECRET, startTokenReplica, tokenSession } from '../support/replica-http.js';

const PASSWORD = 'redis-pass-7c1e9a';

describe('production Redis: rediss:// (TLS) with a password in the URL', () => {
  let dir: string;
  let redis: RunningRedis;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-redis-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    const port = await freePort();
    // TLS only: the plain port is off.
    redis = await startRedis({ port, args: ['--port', '0', '--tls-port', String(port), '--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'), '--tls-auth-clients', 'no', '--requirepass', PASSWORD] });
  }, 30_000);

  afterAll(async () => {
    await redis?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a replica connects over TLS, trusting the CA it is given, and shares sessions there', async () => {
    const env = { GATEHOUSE_REDIS_URL: `rediss://:${PASSWORD}@localhost:${redis.port}/0`, GATEHOUSE_SESSION_SECRET: REPLICA_SECRET, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') };
    const replica = await startTokenReplica(env);
    try {
      const health = await http(replica.url, 'GET', '/api/health');
      expect(health.status).toBe(200);
      expect(health.json()).toMatchObject({ store: { store: 'redis', up: true } });
      const { cookie } = await tokenSession(replica.url);
      expect(await checkStatus(replica.url, cookie)).toBe(200);
      expect(replica.output()).not.toContain(PASSWORD);
    } finally {
      await replica.stop();
    }
  }, 30_000);

  it.each([
    ['a wrong password', `rediss://:wrong@localhost`, 'refused the credentials'],
    ['plain redis:// to a TLS port', `redis://:${PASSWORD}@localhost`, 'does not answer'],
  ])('refuses to start with %s, naming the server but no password', async (_what, base, problem) => {
    const env = { GATEHOUSE_REDIS_URL: `${base}:${redis.port}/0`, GATEHOUSE_SESSION_SECRET: REPLICA_SECRET, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') };
    const error = await startReplica(env, { timeoutMs: 20_000 }).then(
      async (replica) => (await replica.stop(), new Error('started')),
      (e: Error) => e,
    );
    expect(error.message).toContain(`GATEHOUSE_REDIS_URL: ${base.split('@')[0]!.split(':')[0]}://localhost:${redis.port} ${problem}`);
    expect(error.message).not.toContain('[ioredis]');
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain(':wrong@');
  }, 30_000);
});
