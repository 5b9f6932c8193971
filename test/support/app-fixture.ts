import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { ConfigStore } from '../../config/config-store.js';
import { CONFIG_VERSION, type ConfigInput } from '../../config/schema.js';
import type { AppDeps } from '../../src/app-context.js';
import { assembleGatehouse } from '../../src/assemble.js';
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import type { SessionManager } from '../../src/sessions/session-manager.js';
import type { EnvSettings } from '../../src/env.js';
import type { AccountServices } from '../../src/services.js';
import type { ModeSwitcher } from '../../src/admin/mode-switcher.js';
import type { OidcReadiness } from '../../src/admin/oidc-readiness.js';

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
 * Nothing watches the data files and no pending mode switch is restored
 * (`start()` is never called); sessions are written through, never batched.
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
  const store = new ConfigStore({ dataDir, portalUrl: env.portalUrl });
  await store.open();
  const clock = { now: Date.parse('2026-11-23T12:00:00Z') };
  const gatehouse = await assembleGatehouse({
    config: store,
    env,
    log: extras.log ?? pino({ level: 'silent' }),
    now: () => clock.now,
    sessionStore: (now) => new FileSessionStore(dataDir, now, 0),
    csrfKey: Buffer.alloc(32, 7),
    issuer: () => 'Gatehouse test',
    extras: { oidc: extras.oidc },
  });
  const { app, sessions, accounts, modeSwitcher, oidcReadiness } = gatehouse;
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
      await gatehouse.close();
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
