import { mkdir } from 'node:fs/promises';
import { randomBytes, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConfigStore } from '../config/config-store.js';
import { InvalidDocumentError } from '../config/document-store.js';
import { acquireInstanceLock } from '../config/instance-lock.js';
import { buildApp } from './app.js';
import { bootReport, invalidConfigReport } from './boot-checks.js';
import { systemRandom } from './crypto/random.js';
import type { EnvSettings } from './env.js';
import { CsrfGuard } from './http/csrf.js';
import { RuntimeHolder } from './runtime-holder.js';
import { FileSessionStore } from './sessions/file-session-store.js';
import { RedisSessionStore } from './sessions/redis-session-store.js';
import { SessionManager } from './sessions/session-manager.js';
import { createAccountServices } from './services.js';
import { ModeSwitcher } from './admin/mode-switcher.js';
import { OidcReadiness } from './admin/oidc-readiness.js';
import { endSessionsOnConfigChange } from './sessions/config-session-hooks.js';

export class BootError extends Error {
  readonly code = 'GH_BOOT_REFUSED';
  constructor(readonly problems: string[]) {
    super(`Gatehouse refuses to start:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Key for form tokens: from the session secret when set, else random per process (open mode). */
function csrfKey(secret: string | undefined): Buffer {
  return secret ? createHash('sha256').update(`gatehouse-csrf:${secret}`).digest() : randomBytes(32);
}

/** Runs the boot checks, then starts listening. Throws BootError listing every problem. */
export async function startServer(env: EnvSettings, log: Logger): Promise<RunningServer> {
  await mkdir(env.dataDir, { recursive: true, mode: 0o700 });
  const lock = acquireInstanceLock(env.dataDir);
  const store = new ConfigStore({ dataDir: env.dataDir, portalUrl: env.portalUrl });
  const closers: Array<() => Promise<void>> = [];
  try {
    try {
      await store.open();
    } catch (error) {
      if (error instanceof InvalidDocumentError) throw new BootError(await invalidConfigReport(error, env));
      throw error;
    }
    const now = () => Date.now();
    const sessionStore = env.redisUrl ? new RedisSessionStore(env.redisUrl, now) : new FileSessionStore(env.dataDir, now);
    await sessionStore.load();
    let holder: RuntimeHolder | undefined;
    const sessions = new SessionManager(sessionStore, {
      now,
      random: systemRandom,
      timeouts: () => ({ ttlMs: holder!.current().ttlMs, idleMs: holder!.current().idleMs }),
    });
    const accounts = await createAccountServices({
      dataDir: env.dataDir,
      config: store,
      sessions,
      log,
      now,
      sessionSecret: env.sessionSecret,
      issuer: () => holder?.current().portal.hostname ?? 'Gatehouse',
    });
    closers.push(() => accounts.close(), () => sessionStore.close());
    const report = bootReport(store.current, env, accounts.users);
    if (report.problems.length > 0) throw new BootError(report.problems);
    holder = new RuntimeHolder(store, env, log, accounts.strategyServices);
    await accounts.users.prepare();
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
    });
    await modeSwitcher.start();
    endSessionsOnConfigChange(store, sessions, log);
    closers.push(async () => modeSwitcher.stop());
    const app = await buildApp({
      config: store,
      env,
      sessions,
      log,
      now,
      random: systemRandom,
      csrf: new CsrfGuard(csrfKey(env.sessionSecret), systemRandom),
      users: accounts.users,
      audit: accounts.audit,
      regulator: accounts.regulator,
    liftBan: accounts.liftBan,
    mfa: accounts.mfa,
    passkeys: accounts.passkeys,
    tokens: accounts.tokens,
    modeSwitcher,
    oidcReadiness,
      runtime: holder.current,
    });
    store.watch();
    accounts.usersStore.watch();
    accounts.bansStore.watch();
    accounts.tokensStore.watch();
    accounts.credentialsStore.watch();
    await app.listen({ port: env.port, host: env.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : env.port;
    const rt = holder.current();
    log.info({ mode: rt.config.mode, domains: rt.config.domains, portal: rt.portal.origin }, `Gatehouse listening on http://${env.host}:${port} in ${rt.config.mode} mode; protecting ${rt.config.domains.join(', ')}`);
    for (const warning of report.warnings) log.warn(warning);
    return {
      app,
      address: env.host,
      port,
      async close() {
        store.close();
        await app.close();
        for (const close of closers) await close();
        lock.release();
      },
    };
  } catch (error) {
    store.close();
    for (const close of closers) await close().catch(() => undefined);
    lock.release();
    throw error;
  }
}
