import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { ConfigStore } from '../../config/config-store.js';
import { CONFIG_VERSION, type ConfigInput } from '../../config/schema.js';
import { buildApp } from '../../src/app.js';
import type { AppDeps } from '../../src/app-context.js';
import { systemRandom } from '../../src/crypto/random.js';
import { CsrfGuard } from '../../src/http/csrf.js';
import { RuntimeHolder } from '../../src/runtime-holder.js';
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import { SessionManager } from '../../src/sessions/session-manager.js';
import type { EnvSettings } from '../../src/env.js';
import { createAccountServices, type AccountServices } from '../../src/services.js';
import { ModeSwitcher } from '../../src/admin/mode-switcher.js';
import { OidcReadiness } from '../../src/admin/oidc-readiness.js';
import { endSessionsOnConfigChange } from '../../src/sessions/config-session-hooks.js';

export const TEST_SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz';

export interface AppFixture {
  app: FastifyInstance;
  store: ConfigStore;
  sessions: SessionManager;
  dataDir: string;
  clock: { now: number };
  accounts: AccountServices;
  modeSwitcher: ModeSwitcher;
  oidcReadiness: OidcReadiness;
  close(): Promise<void>;
}

/**
 * A Gatehouse app on a fresh temp data dir, driven with `app.inject()`.
 * `config` is merged over a minimal valid document; the clock is controllable.
 */
export async function createAppFixture(
  config: Partial<ConfigInput> & { mode?: ConfigInput['mode'] } = {},
  envOverrides: Partial<EnvSettings> = {},
  /** Replacements for built-in deps (a log to read, an OIDC service with test timers). */
  extras: Partial<Pick<AppDeps, 'oidc' | 'log'>> = {},
): Promise<AppFixture> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-test-'));
  const doc = { version: CONFIG_VERSION, mode: 'open', domains: ['example.com'], ...config };
  await writeFile(join(dataDir, 'config.json'), JSON.stringify(doc));
  const env: EnvSettings = {
    dataDir,
    port: 0,
    host: '127.0.0.1',
    sessionSecret: TEST_SECRET,
    portalUrl: 'https://auth.example.com',
    logLevel: 'silent',
    ...envOverrides,
  };
  const log = extras.log ?? pino({ level: 'silent' });
  const store = new ConfigStore({ dataDir, portalUrl: env.portalUrl });
  await store.open();
  const clock = { now: Date.parse('2026-11-23T12:00:00Z') };
  const now = () => clock.now;
  const sessionStore = new FileSessionStore(dataDir, now, 0);
  await sessionStore.load();
  let holder: RuntimeHolder | undefined;
  const sessions = new SessionManager(sessionStore, {
    now,
    random: systemRandom,
    timeouts: () => ({ ttlMs: holder!.current().ttlMs, idleMs: holder!.current().idleMs }),
  });
  const accounts = await createAccountServices({ dataDir, config: store, sessions, log, now, sessionSecret: env.sessionSecret, issuer: () => 'Gatehouse test' });
  holder = new RuntimeHolder(store, env, log, accounts.strategyServices);
  const oidcReadiness = new OidcReadiness();
  const modeSwitcher = new ModeSwitcher({
    dataDir,
    config: store,
    users: accounts.users,
    mfa: accounts.mfa,
    audit: accounts.audit,
    log,
    now,
    oauth2Readiness: () => oidcReadiness.problem(store.current.oauth2?.issuerUrl),
  });
  endSessionsOnConfigChange(store, sessions, log);
  const app = await buildApp({
    config: store,
    env,
    sessions,
    log,
    now,
    random: systemRandom,
    csrf: new CsrfGuard(Buffer.alloc(32, 7), systemRandom),
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
    oidc: extras.oidc,
  });
  return {
    app,
    store,
    sessions,
    dataDir,
    clock,
    accounts,
    modeSwitcher,
    oidcReadiness,
    async close() {
      modeSwitcher.stop();
      store.close();
      await app.close();
      await accounts.close();
      await sessionStore.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Headers Traefik/Caddy send to /api/authz/forward-auth for `url`. */
export function forwardAuthHeaders(url: string, method = 'GET', clientIp = '203.0.113.7'): Record<string, string> {
  const u = new URL(url);
  return {
    'x-forwarded-method': method,
    'x-forwarded-proto': u.protocol.slice(0, -1),
    'x-forwarded-host': u.host,
    'x-forwarded-uri': `${u.pathname}${u.search}`,
    'x-forwarded-for': clientIp,
  };
}

/** Headers nginx sends to /api/authz/auth-request for `url`. */
export function authRequestHeaders(url: string, method = 'GET', clientIp = '203.0.113.7'): Record<string, string> {
  return { 'x-original-url': url, 'x-original-method': method, 'x-forwarded-for': clientIp };
}
