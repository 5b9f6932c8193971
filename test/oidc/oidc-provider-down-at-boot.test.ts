import { afterEach, describe, expect, it } from 'vitest';
import { systemRandom } from '../../src/crypto/random.js';
import { OidcService } from '../../src/oidc/oidc-service.js';
import { createAppFixture, TEST_SECRET, type AppFixture } from '../support/app-fixture.js';
import { freePort } from '../support/free-port.js';
import { ManualTimers } from '../support/manual-timers.js';
import { CALLBACK_URL, checkWithSession, loginAs, memoryLog } from '../support/oidc-flow.js';
import { ADMIN_GROUP, TEST_CLIENT_ID, TEST_CLIENT_SECRET, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

async function until(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Compose starts services in any order: Gatehouse may come up before its provider. */
describe('oauth2: provider unreachable at boot', () => {
  let fx: AppFixture | undefined;
  let idp: TestOidcProvider | undefined;
  afterEach(async () => {
    await fx?.close();
    await idp?.close();
    fx = idp = undefined;
  });

  it('starts degraded, says so on the login page, retries with backoff, and works once the provider is up', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const clock = { now: Date.now() };
    const timers = new ManualTimers(clock);
    const { log, lines } = memoryLog();
    const oidc = new OidcService({ log, now: () => clock.now, random: systemRandom, sessionSecret: TEST_SECRET, timers });
    fx = await createAppFixture(
      { mode: 'oauth2', oauth2: { issuerUrl: issuer, clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, adminGroupValues: [ADMIN_GROUP] } },
      {},
      { oidc, log },
    );
    fx.clock.now = Date.now();
    await fx.app.ready();
    const connection = oidc.connection(fx.store.current.oauth2!);
    await until(() => connection.status().state === 'unreachable', 'the first discovery to fail');

    const health = await fx.app.inject({ method: 'GET', url: '/api/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'degraded', mode: 'oauth2', oidc: { state: 'unreachable', reason: 'unreachable', attempts: 1 } });
    const login = await fx.app.inject({ method: 'GET', url: '/login' });
    expect(login.statusCode).toBe(200);
    expect(login.body).toContain('cannot be reached right now');
    expect(login.body).toContain('Local administrator sign-in');
    const start = await fx.app.inject({ method: 'GET', url: '/api/auth/oidc/start' });
    expect(start.statusCode).toBe(503);
    expect(start.body).toContain('cannot be reached');
    expect(lines().some((l) => l.level === 40 && /OIDC provider not usable yet \(cannot connect to .*ECONNREFUSED\); Gatehouse keeps running degraded and retries in 1s/.test(l.msg))).toBe(true);

    // Two more failures: the delay doubles.
    expect(timers.pendingDelay()).toBe(1_000);
    await timers.fireNext();
    await until(() => connection.status().state === 'unreachable' && (connection.status() as { attempts: number }).attempts === 2, 'attempt 2');
    expect(timers.pendingDelay()).toBe(2_000);
    await timers.fireNext();
    await until(() => (connection.status() as { attempts?: number }).attempts === 3 && connection.status().state === 'unreachable', 'attempt 3');
    expect(timers.pendingDelay()).toBe(4_000);

    // The provider comes up; the next retry finds it.
    idp = await startOidcProvider({ port, redirectUris: [CALLBACK_URL] });
    await timers.fireNext();
    await until(() => connection.status().state === 'ready', 'discovery to succeed');
    expect((await fx.app.inject({ method: 'GET', url: '/api/health' })).json()).toEqual({ status: 'ok', mode: 'oauth2', oidc: { state: 'ready' } });
    expect(lines().some((l) => /discovered after 3 failed attempts/.test(l.msg))).toBe(true);

    const { session } = await loginAs({ app: fx.app, idp }, 'alice');
    expect((await checkWithSession(fx.app, session!)).headers['remote-groups']).toMatch(/^admin,/);
  });
});
