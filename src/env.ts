import { resolve } from 'node:path';
import { DEFAULT_PORT } from '../config/defaults.js';
import { redisEnvProblems, redisSettingsOf, type RedisSettings } from './backend/redis-settings.js';

/** Everything Gatehouse reads from the environment. Only boot code and the CLI call `readEnv`. */
export interface EnvSettings {
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  /** Raw value; validated by the boot checks. */
  readonly sessionSecret: string | undefined;
  readonly portalUrl: string | undefined;
  readonly logLevel: string;
  /** Sessions in Redis (several replicas) instead of the data dir. */
  readonly redisUrl?: string | undefined;
  /** Prefix of every Redis key (GATEHOUSE_REDIS_PREFIX), so two installations can share one Redis. */
  readonly redisPrefix?: string;
  /** GATEHOUSE_REDIS_SENTINELS (`host:port,…`) and GATEHOUSE_REDIS_SENTINEL_MASTER: Redis through Sentinel. Raw; validated by the boot checks. */
  readonly redisSentinels?: string | undefined;
  readonly redisSentinelMaster?: string | undefined;
  /** GATEHOUSE_REDIS_GRACE: how long checks go on from memory while Redis is down (default 60s). Raw. */
  readonly redisGrace?: string | undefined;
  /** Proxy mode: also listen here and forward `proxy.apps` requests after the check. */
  readonly proxyPort?: number | undefined;
}

export const MIN_SECRET_LENGTH = 32;

export function readEnv(env: NodeJS.ProcessEnv): EnvSettings {
  const port = env.GATEHOUSE_PORT === undefined || env.GATEHOUSE_PORT === '' ? DEFAULT_PORT : Number(env.GATEHOUSE_PORT);
  return {
    dataDir: resolve(env.GATEHOUSE_DATA_DIR || './data'),
    port,
    host: env.GATEHOUSE_HOST || '0.0.0.0',
    sessionSecret: env.GATEHOUSE_SESSION_SECRET,
    portalUrl: env.GATEHOUSE_PORTAL_URL || undefined,
    logLevel: env.GATEHOUSE_LOG_LEVEL || 'info',
    redisUrl: env.GATEHOUSE_REDIS_URL || undefined,
    redisPrefix: env.GATEHOUSE_REDIS_PREFIX || 'gatehouse:',
    redisSentinels: env.GATEHOUSE_REDIS_SENTINELS || undefined,
    redisSentinelMaster: env.GATEHOUSE_REDIS_SENTINEL_MASTER || undefined,
    redisGrace: env.GATEHOUSE_REDIS_GRACE || undefined,
    proxyPort: env.GATEHOUSE_PROXY_PORT === undefined || env.GATEHOUSE_PROXY_PORT === '' ? undefined : Number(env.GATEHOUSE_PROXY_PORT),
  };
}

/** Redis settings when GATEHOUSE_REDIS_URL is set: the one place the backend is chosen. */
export function redisSettings(env: EnvSettings): RedisSettings | undefined {
  return redisSettingsOf(env);
}

/** Problems with the environment alone (the config adds its own). */
export function envProblems(env: EnvSettings, needsSecret: boolean): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(env.port) || env.port < 0 || env.port > 65535) problems.push('GATEHOUSE_PORT: must be a port number (0-65535)');
  if (env.proxyPort !== undefined && (!Number.isInteger(env.proxyPort) || env.proxyPort < 0 || env.proxyPort > 65535)) {
    problems.push('GATEHOUSE_PROXY_PORT: must be a port number (0-65535)');
  }
  if (needsSecret) {
    const secret = env.sessionSecret;
    if (secret === undefined || secret === '') {
      problems.push(`GATEHOUSE_SESSION_SECRET: missing; set it to at least ${MIN_SECRET_LENGTH} random characters (\`gatehouse secret\` prints one)`);
    } else if (secret.trim() !== secret) {
      problems.push('GATEHOUSE_SESSION_SECRET: has leading or trailing whitespace (a padded short secret is still short); remove it');
    } else if (secret.length < MIN_SECRET_LENGTH) {
      problems.push(`GATEHOUSE_SESSION_SECRET: is ${secret.length} characters; it must be at least ${MIN_SECRET_LENGTH} (\`gatehouse secret\` prints one)`);
    }
  }
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(env.logLevel)) problems.push(`GATEHOUSE_LOG_LEVEL: must be one of ${levels.join(', ')}`);
  problems.push(...redisEnvProblems(env));
  if (env.portalUrl !== undefined) {
    try {
      const url = new URL(env.portalUrl);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
    } catch {
      problems.push('GATEHOUSE_PORTAL_URL: must be an absolute http(s) URL such as https://auth.example.com');
    }
  }
  return problems;
}
