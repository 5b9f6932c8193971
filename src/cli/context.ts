import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { ConfigStore } from '../../config/config-store.js';
import { UsersStore } from '../../config/users-store.js';
import { AuditLog } from '../audit/audit-log.js';
import { RedisAuditLog } from '../audit/redis-audit-log.js';
import type { RedisConnection } from '../backend/redis-connection.js';
import { readEnv, type EnvSettings } from '../env.js';
import { WorkerPasswordHasher } from '../users/password-hasher.js';
import { UserService, type Actor } from '../users/user-service.js';
import { CredentialsStore } from '../../config/credentials-store.js';
import { TokensStore } from '../../config/tokens-store.js';
import { MfaService } from '../mfa/mfa-service.js';
import { TokenService } from '../tokens/token-service.js';
import type { DocumentBackend } from '../../config/document-backend.js';
import { connectRedis } from '../backend/connect-redis.js';
import { openDocumentBackend } from '../backend/documents.js';
import pino from 'pino';
import { REDACT_PATHS } from '../logger.js';
import { FilePendingSwitchStore, type PendingSwitchStore } from '../admin/pending-switch-store.js';
import { RedisPendingSwitchStore } from '../admin/redis-pending-switch-store.js';

/** A usage mistake: exit 2 with the usage text. */
export class UsageError extends Error {}
/** A refused or failed command: exit 1 with the message. */
export class RefusedError extends Error {}

export interface CliContext {
  readonly env: EnvSettings;
  readonly actor: Actor;
  config(): Promise<ConfigStore>;
  users(): Promise<{ service: UserService; store: UsersStore }>;
  mfa(): Promise<MfaService>;
  tokens(): Promise<TokenService>;
  audit(): AuditLog;
  /** Where a pending mode switch is kept: the servers' Redis key, or mode-switch.json in the data dir. */
  pendingSwitch(): Promise<PendingSwitchStore>;
  /** Releases worker threads and watchers so the process can exit. */
  close(): Promise<void>;
}

/** The CLI's few log lines (an import into Redis, a warning) go to stderr: stdout carries the commands' output. */
function cliLog() {
  return pino({ level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'gatehouse-cli' } }, pino.destination({ dest: 2, sync: true }));
}

/** Everything a command needs, opened lazily against the data dir, or against Redis when GATEHOUSE_REDIS_URL is set (as the servers do). */
export function createCliContext(processEnv: NodeJS.ProcessEnv): CliContext {
  const env = readEnv(processEnv);
  const closers: Array<() => Promise<void>> = [];
  let configStore: ConfigStore | undefined;
  let connection: Promise<RedisConnection | undefined> | undefined;
  const redis = () =>
    (connection ??= (async () => {
      const opened = await connectRedis(env);
      if (opened) closers.push(() => opened.close());
      return opened;
    })());
  // With Redis, `gatehouse audit` reads (and commands write) the servers' shared stream.
  const audit: AuditLog = env.redisUrl ? new RedisAuditLog(async () => (await redis())!) : new AuditLog(env.dataDir);
  let documents: Promise<DocumentBackend> | undefined;
  const backend = (): Promise<DocumentBackend> =>
    (documents ??= (async () => {
      await mkdir(env.dataDir, { recursive: true, mode: 0o700 });
      return openDocumentBackend({ dataDir: env.dataDir, redis: await redis(), portalUrl: env.portalUrl, log: cliLog(), audit });
    })());
  let actorName = 'cli';
  try {
    actorName = `cli:${userInfo().username}`;
  } catch {
    // No passwd entry (some containers): plain "cli" will do.
  }
  const ctx: CliContext = {
    env,
    actor: { name: actorName },
    async config() {
      if (!configStore) {
        configStore = new ConfigStore({ dataDir: env.dataDir, portalUrl: env.portalUrl, documents: await backend() });
        await configStore.open();
      }
      return configStore;
    },
    async users() {
      const config = await ctx.config();
      const store = new UsersStore(config.documents);
      await store.open();
      const hasher = new WorkerPasswordHasher(1);
      closers.push(() => hasher.close());
      const service = new UserService(store, { hasher, audit, regulator: null, bcryptCost: () => config.current.security.bcryptCost, now: Date.now });
      return { service, store };
    },
    async mfa() {
      const store = new CredentialsStore((await ctx.config()).documents);
      await store.open();
      // No key needed: the CLI reports and resets, it never reads a TOTP secret.
      return new MfaService(store, { box: null, audit, now: Date.now, issuer: () => 'Gatehouse' });
    },
    async tokens() {
      const { service } = await ctx.users();
      const store = new TokensStore((await ctx.config()).documents);
      await store.open();
      return new TokenService(store, { audit, now: Date.now, findUser: (id) => service.findById(id) });
    },
    audit: () => audit,
    async pendingSwitch() {
      const connection = await redis();
      return connection ? new RedisPendingSwitchStore(connection) : new FilePendingSwitchStore(env.dataDir);
    },
    async close() {
      for (const close of closers) await close();
    },
  };
  return ctx;
}
