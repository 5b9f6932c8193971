import { describe, expect, it } from 'vitest';
import { connectionOptions, redisEnvProblems, redisSettingsOf, redisTarget } from '../../src/backend/redis-settings.js';
import { envProblems, readEnv } from '../../src/env.js';
import { startReplica } from '../support/replica.js';
import { freePort } from '../support/free-port.js';

const URL_ONLY = { redisUrl: 'redis://127.0.0.1:6379/0' };

describe('Redis settings from the environment', () => {
  it('accepts a plain URL, rediss:// with a password, and Sentinels with a master name', () => {
    expect(redisEnvProblems(URL_ONLY)).toEqual([]);
    expect(redisEnvProblems({ redisUrl: 'rediss://:s3cr%40t@redis.internal:6380/2' })).toEqual([]);
    expect(redisEnvProblems({ redisUrl: 'redis://:pw@mymaster/0', redisSentinels: 'sentinel-1:26379, 10.0.0.7:26379,[::1]:26380', redisSentinelMaster: 'mymaster' })).toEqual([]);
    expect(redisSettingsOf({ ...URL_ONLY, redisGrace: '2m' })?.graceMs).toBe(120_000);
    expect(redisSettingsOf({ ...URL_ONLY, redisGrace: '15' })?.graceMs).toBe(15_000);
    expect(redisSettingsOf(URL_ONLY)?.graceMs).toBe(60_000);
  });

  it.each([
    [{ redisUrl: 'http://redis:6379' }, 'GATEHOUSE_REDIS_URL: must look like'],
    [{ redisUrl: 'redis://host:6379/zero' }, 'GATEHOUSE_REDIS_URL: the path must be a database number'],
    [{ ...URL_ONLY, redisSentinels: 'sentinel-1' }, 'GATEHOUSE_REDIS_SENTINELS: must be a comma-separated list of host:port'],
    [{ ...URL_ONLY, redisSentinels: 'sentinel-1:99999', redisSentinelMaster: 'm' }, 'GATEHOUSE_REDIS_SENTINELS: must be a comma-separated list'],
    [{ ...URL_ONLY, redisSentinels: 'sentinel-1:26379' }, 'GATEHOUSE_REDIS_SENTINEL_MASTER: required with GATEHOUSE_REDIS_SENTINELS'],
    [{ ...URL_ONLY, redisSentinels: 's:26379', redisSentinelMaster: 'my master' }, 'GATEHOUSE_REDIS_SENTINEL_MASTER: must be a Sentinel master name'],
    [{ redisSentinels: 's:26379', redisSentinelMaster: 'mymaster' }, 'needs GATEHOUSE_REDIS_URL too'],
    [{ ...URL_ONLY, redisGrace: 'soon' }, 'GATEHOUSE_REDIS_GRACE: must be a duration'],
    [{ ...URL_ONLY, redisGrace: '2h' }, 'GATEHOUSE_REDIS_GRACE: must be a duration up to 1h'],
    [{ ...URL_ONLY, redisPrefix: 'has space' }, 'GATEHOUSE_REDIS_PREFIX: must be'],
  ])('refuses %j at boot', (env, problem) => {
    expect(redisEnvProblems(env).join('\n')).toContain(problem);
    expect(envProblems({ ...readEnv({}), ...env }, false).join('\n')).toContain(problem);
  });

  it('hands Sentinel mode the URL password, db and TLS, and never names the password where it is logged', () => {
    const settings = redisSettingsOf({ redisUrl: 'rediss://:s3cr%40t@mymaster/3', redisSentinels: 's1:26379,s2:26379', redisSentinelMaster: 'mymaster' })!;
    const { url, options } = connectionOptions(settings);
    expect(url).toBeUndefined();
    expect(options).toMatchObject({ name: 'mymaster', db: 3, password: 's3cr@t', tls: {}, enableTLSForSentinelMode: true, sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }] });
    expect(redisTarget(settings)).not.toContain('s3cr');
    expect(redisTarget(redisSettingsOf({ redisUrl: 'redis://:hunter2@redis.internal:6379/0' })!)).toBe('redis://redis.internal:6379');
  });

  it('a replica whose Redis does not answer refuses to start, saying where it looked and not the password', async () => {
    const port = await freePort();
    const started = startReplica({ GATEHOUSE_REDIS_URL: `redis://:hunter2@127.0.0.1:${port}/0` }, { timeoutMs: 20_000 });
    const error = await started.then(
      async (replica) => (await replica.stop(), new Error('started')),
      (e: Error) => e,
    );
    expect(error.message).toContain(`GATEHOUSE_REDIS_URL: redis://127.0.0.1:${port} does not answer`);
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('[ioredis]');
  }, 30_000);
});
