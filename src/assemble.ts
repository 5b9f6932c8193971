import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ConfigStore } from '../config/config-store.js';
import { ModeSwitcher } from './admin/mode-switcher.js';
import { forgetReadinessOnProviderChange, OidcReadiness } from './admin/oidc-readiness.js';
import { buildApp } from './app.js';
import { createAppContext, type AppDeps } from './app-context.js';
import { systemRandom } from './crypto/random.js';
import type { EnvSettings } from './env.js';
import { CsrfGuard } from './http/csrf.js';
import { RuntimeHolder } from './runtime-holder.js';
import { createAccountServices, type AccountServices } from './services.js';
import { endSessionsOnConfigChange } from './sessions/config-session-hooks.js';
import { FileSessionStore } from './sessions/file-session-store.js';
import type { SessionStore } from './sessions/session-record.js';
import type { RedisConnection } from './backend/redis-connection.js';
import { SessionManager } from './sessions/session-manager.js';
import { StoreHealth } from './backend/store-health.js';
import { RedisPendingSwitchStore } from './admin/redis-pending-switch-store.js';

export interface AssembleOptions {
  /** The config store, already opened. The assembled Gatehouse closes it; if assembling fails, the caller still owns it. */
  readonly config: ConfigStore;
  readonly env: EnvSettings;
  /** The shared backend's connection, already connected, when GATEHOUSE_REDIS_URL is set (the caller owns and closes it). */
  readonly redis?: RedisConnection | undefined;
  readonly log: Logger;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
  /** Builds the session store, loaded here (default: Redis when `env.redisUrl` is set, else sessions.json in the data dir). */
  readonly sessionStore?: (now: () => number) => SessionStore;
  /** Key for form tokens (default: derived from the session secret, else random per process). */
  readonly csrfKey?: Buffer;
  /** The issuer name authenticator apps show (default: the portal's host). */
  readonly issuer?: () => string;
  /**
   * Runs once the account services exist, before the config is put in force:
   * the place for boot checks (throw to refuse) and warm-up.
   */
  readonly beforeRuntime?: (accounts: AccountServices) => void | Promise<void>;
  /** Built-in deps to replace (an OIDC service with test timers). */
  readonly extras?: Partial<Pick<AppDeps, 'oidc'>>;
}

/** The wired object graph: the app and the pieces around it that callers (and tests) reach into. */
export interface Gatehouse {
  readonly app: FastifyInstance;
  /** Proxy mode's listener, built when GATEHOUSE_PROXY_PORT is set; the caller listens. */
  readonly proxy: FastifyInstance | undefined;
  readonly store: ConfigStore;
  readonly sessions: SessionManager;
  readonly accounts: AccountServices;
  readonly holder: RuntimeHolder;
  readonly modeSwitcher: ModeSwitcher;
  readonly oidcReadiness: OidcReadiness;
  /** Restores a pending mode switch and starts watching the data files for outside edits. */
  start(): Promise<void>;
  /** Stops timers and watchers and closes the app, the stores and the session store. */
  close(): Promise<void>;
}

/** Key for form tokens: from the session secret when set, else random per process (open mode). */
function defaultCsrfKey(secret: string | undefined): Buffer {
  return secret ? createHash('sha256').update(`gatehouse-csrf:${secret}`).digest() : randomBytes(32);
}

/** Redis when configured (loaded only then: ioredis is a large library), else sessions.json in the data dir. */
async function defaultSessionStore(env: EnvSettings, redis: RedisConnection | undefined, now: () => number): Promise<SessionStore> {
  if (!redis) return new FileSessionStore(env.dataDir, now);
  const { RedisSessionStore } = await import('./sessions/redis-session-store.js');
  return new RedisSessionStore(redis, now);
}

/**
 * The composition root: config → sessions → account services → runtime →
 * mode switching → the Fastify app. Nothing listens and nothing watches
 * files until `start()` (and the caller's `app.listen`).
 */
export async function assembleGatehouse(options: AssembleOptions): Promise<Gatehouse> {
  const { config: store, env, log } = options;
  const now = options.now ?? (() => Date.now());
  const storeHealth = new StoreHealth(options.redis, { log, now });
  const sessionStore = options.sessionStore ? options.sessionStore(now) : await defaultSessionStore(env, options.redis, now);
  await sessionStore.load();
  let accounts: AccountServices | undefined;
  try {
    let holder: RuntimeHolder | undefined;
    const sessions = new SessionManager(sessionStore, {
      now,
      random: systemRandom,
      timeouts: () => ({ ttlMs: holder!.current().ttlMs, idleMs: holder!.current().idleMs }),
    });
    accounts = await createAccountServices({
      dataDir: env.dataDir,
      redis: options.redis,
      config: store,
      sessions,
      log,
      now,
      sessionSecret: env.sessionSecret,
      issuer: options.issuer ?? (() => holder?.current().portal.hostname ?? 'Gatehouse'),
    });
    await options.beforeRuntime?.(accounts);
    holder = new RuntimeHolder(store, env, log, accounts.strategyServices);
    const oidcReadiness = new OidcReadiness();
    const modeSwitcher = new ModeSwitcher({
      dataDir: env.dataDir,
      config: store,
      users: accounts.users,
      mfa: accounts.mfa,
      audit: accounts.audit,
      log,
      now,
      oauth2Readiness: () => oidcReadiness.problem(store.current.oauth2?.issuerUrl),
      pendingStore: options.redis ? new RedisPendingSwitchStore(options.redis) : undefined,
    });
    endSessionsOnConfigChange(store, sessions, log);
    forgetReadinessOnProviderChange(store, oidcReadiness);
    const deps: AppDeps = {
      config: store,
      env,
      sessions,
      log,
      now,
      random: systemRandom,
      csrf: new CsrfGuard(options.csrfKey ?? defaultCsrfKey(env.sessionSecret), systemRandom),
      users: accounts.users,
      audit: accounts.audit,
      regulator: accounts.regulator,
      liftBan: accounts.liftBan,
      mfa: accounts.mfa,
      passkeys: accounts.passkeys,
      tokens: accounts.tokens,
      ephemeral: accounts.ephemeral,
      modeSwitcher,
      oidcReadiness,
      storeHealth,
      runtime: holder.current,
      oidc: options.extras?.oidc,
    };
    // One context for both listeners: proxy mode judges with the check's own state.
    const ctx = createAppContext(deps);
    const app = await buildApp(deps, ctx);
    // Loaded only in proxy mode: @fastify/http-proxy and its HTTP client are not small.
    const proxy = env.proxyPort === undefined ? undefined : await (await import('./proxy/proxy-app.js')).buildProxyApp(ctx);
    const services = accounts;
    return {
      app,
      proxy,
      store,
      sessions,
      accounts: services,
      holder,
      modeSwitcher,
      oidcReadiness,
      async start() {
        await modeSwitcher.start();
        store.watch();
        services.usersStore.watch();
        services.bansStore?.watch();
        services.tokensStore.watch();
        services.credentialsStore.watch();
      },
      async close() {
        storeHealth.stop();
        modeSwitcher.stop();
        store.close();
        await proxy?.close();
        await app.close();
        await services.close();
        await sessionStore.close();
      },
    };
  } catch (error) {
    await accounts?.close().catch(() => undefined);
    await sessionStore.close().catch(() => undefined);
    throw error;
  }
}
