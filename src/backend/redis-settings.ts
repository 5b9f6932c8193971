import type { RedisOptions } from 'ioredis';
import { isDuration, parseDuration } from '../../config/duration.js';

/** How to reach Redis; read from the environment once at boot (see env.ts). */
export interface RedisSettings {
  /** `redis://[user:password@]host:port/db` or `rediss://` for TLS. With `sentinels`, only its credentials, db and scheme apply. */
  readonly url: string;
  /** Every key Gatehouse writes starts with this, so two installations can share one Redis. */
  readonly prefix: string;
  /** Sentinels to ask for the current master (GATEHOUSE_REDIS_SENTINELS); none means `url` is the server. */
  readonly sentinels?: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  /** The master's name in the Sentinel configuration (GATEHOUSE_REDIS_SENTINEL_MASTER). */
  readonly sentinelMaster?: string;
  /** How long checks go on from memory while Redis is unreachable before they fail closed (GATEHOUSE_REDIS_GRACE; default 60 s). */
  readonly graceMs?: number;
}

/** The raw environment values, as EnvSettings holds them. */
export interface RedisEnv {
  readonly redisUrl?: string | undefined;
  readonly redisPrefix?: string | undefined;
  readonly redisSentinels?: string | undefined;
  readonly redisSentinelMaster?: string | undefined;
  readonly redisGrace?: string | undefined;
}

export const DEFAULT_REDIS_GRACE = '60s';
export const DEFAULT_REDIS_GRACE_MS = 60_000;
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const MASTER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** `60s`, `2m`, or a bare number of seconds. */
function graceMsOf(value: string): number | null {
  if (/^\d{1,6}$/.test(value)) return Number(value) * 1000;
  return isDuration(value) ? parseDuration(value) : null;
}

function sentinelList(value: string): Array<{ host: string; port: number }> | null {
  const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) return null;
  const parsed = list.map((entry) => {
    const match = HOST_PORT.exec(entry);
    const port = match ? Number(match[2]) : 0;
    return match && port > 0 && port <= 65535 ? { host: match[1]!.replace(/^\[|\]$/g, ''), port } : null;
  });
  return parsed.every((p) => p !== null) ? (parsed as Array<{ host: string; port: number }>) : null;
}

/** Every problem with the Redis variables, for the boot checks; empty when Redis is not configured or all is well. */
export function redisEnvProblems(env: RedisEnv): string[] {
  const problems: string[] = [];
  const configured = env.redisUrl !== undefined;
  if (configured) {
    let url: URL | undefined;
    try {
      url = new URL(env.redisUrl!);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || (!url.hostname && env.redisSentinels === undefined)) {
      problems.push('GATEHOUSE_REDIS_URL: must look like redis://host:6379/0 (or rediss:// for TLS; a password goes in redis://:password@host:6379)');
    } else if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) {
      problems.push('GATEHOUSE_REDIS_URL: the path must be a database number, e.g. redis://host:6379/0');
    }
  }
  if (env.redisSentinels !== undefined && sentinelList(env.redisSentinels) === null) {
    problems.push('GATEHOUSE_REDIS_SENTINELS: must be a comma-separated list of host:port, e.g. sentinel-1:26379,sentinel-2:26379');
  }
  if (env.redisSentinels !== undefined && env.redisSentinelMaster === undefined) {
    problems.push('GATEHOUSE_REDIS_SENTINEL_MASTER: required with GATEHOUSE_REDIS_SENTINELS: the master name from sentinel.conf (e.g. mymaster)');
  }
  if (env.redisSentinelMaster !== undefined && !MASTER_NAME.test(env.redisSentinelMaster)) {
    problems.push('GATEHOUSE_REDIS_SENTINEL_MASTER: must be a Sentinel master name (letters, digits, . _ -)');
  }
  if (!configured && (env.redisSentinels !== undefined || env.redisSentinelMaster !== undefined)) {
    problems.push('GATEHOUSE_REDIS_SENTINELS: needs GATEHOUSE_REDIS_URL too (e.g. redis://:password@mymaster/0: its password and db are used for the master)');
  }
  if (env.redisGrace !== undefined) {
    const ms = graceMsOf(env.redisGrace);
    if (ms === null || ms > 3_600_000) problems.push('GATEHOUSE_REDIS_GRACE: must be a duration up to 1h, e.g. 60s, 2m or 0 (checks fail closed as soon as Redis is unreachable)');
  }
  if (env.redisPrefix !== undefined && !/^[A-Za-z0-9:._{}-]{1,64}$/.test(env.redisPrefix)) {
    problems.push('GATEHOUSE_REDIS_PREFIX: must be 1-64 letters, digits or : . _ - { } (e.g. gatehouse-staging:)');
  }
  return problems;
}

/** Redis settings when GATEHOUSE_REDIS_URL is set; call only once redisEnvProblems found nothing. */
export function redisSettingsOf(env: RedisEnv): RedisSettings | undefined {
  if (env.redisUrl === undefined) return undefined;
  const sentinels = env.redisSentinels === undefined ? undefined : (sentinelList(env.redisSentinels) ?? undefined);
  return {
    url: env.redisUrl,
    prefix: env.redisPrefix ?? 'gatehouse:',
    ...(sentinels ? { sentinels, sentinelMaster: env.redisSentinelMaster ?? 'mymaster' } : {}),
    graceMs: graceMsOf(env.redisGrace ?? DEFAULT_REDIS_GRACE) ?? DEFAULT_REDIS_GRACE_MS,
  };
}

/** Where Redis is, for log lines and boot errors: host and port (or the Sentinel master's name), never the password. */
export function redisTarget(settings: RedisSettings): string {
  if (settings.sentinels) return `Sentinel master ${settings.sentinelMaster} via ${settings.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
  try {
    const url = new URL(settings.url);
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'redis';
  }
}

/**
 * The connection part of ioredis's options. A plain URL is handed to ioredis
 * as is (it reads rediss://, the password and the db); with Sentinels the URL
 * only lends its credentials, db and TLS to the master connection.
 */
export function connectionOptions(settings: RedisSettings): { url?: string; options: RedisOptions } {
  if (!settings.sentinels) return { url: settings.url, options: {} };
  const url = new URL(settings.url);
  const tls = url.protocol === 'rediss:';
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    options: {
      sentinels: settings.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: settings.sentinelMaster!,
      db,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    },
  };
}
