import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemRandom } from '../../src/crypto/random.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { FLOW_COOKIE } from '../../src/oidc/flow-cookie.js';
import { OidcService } from '../../src/oidc/oidc-service.js';
import { createAppFixture, TEST_SECRET, type AppFixture } from '../support/app-fixture.js';
import { CALLBACK_URL, callback, memoryLog } from '../support/oidc-flow.js';
import { ADMIN_GROUP, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { cookieFrom, fetchForm, postForm } from '../support/portal.js';

const ADMIN = { username: 'root-admin', password: 'correct horse battery staple', role: 'admin' as const };
const EDITOR = { username: 'bob', password: 'bob likes long passphrases', role: 'editor' as const };

/** Before switching to oauth2, an admin tries the provider: same flow and checks, no session. */
describe('oauth2 test sign-in from another mode', () => {
  let fx: AppFixture;
  let idp: TestOidcProvider;
  beforeAll(async () => {
    idp = await startOidcProvider({ redirectUris: [CALLBACK_URL] });
    const { log } = memoryLog();
    fx = await createAppFixture(
      { mode: 'userPassword', oauth2: { issuerUrl: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, adminGroupValues: [ADMIN_GROUP] }, security: { bcryptCost: 12 } },
      {},
      { log, oidc: new OidcService({ log, now: Date.now, random: systemRandom, sessionSecret: TEST_SECRET, onDiscovered: (issuer) => fx.oidcReadiness.markDiscovered(issuer) }) },
    );
    fx.clock.now = Date.now();
    for (const user of [ADMIN, EDITOR]) await fx.accounts.users.create(user, { name: 'test' });
  });
  afterAll(async () => {
    await fx.close();
    await idp.close();
  });

  async function sessionOf(username: string, password: string): Promise<string> {
    const { csrfCookie, csrf } = await fetchForm(fx.app, '/login');
    const res = await postForm(fx.app, '/login', { csrf, username, password }, csrfCookie);
    return `${SESSION_COOKIE}=${cookieFrom(res, SESSION_COOKIE)}`;
  }

  it('an admin completes a test sign-in: a report, no session, and the switch readiness is satisfied', async () => {
    expect(fx.oidcReadiness.problem(idp.issuer)).toMatch(/discovery/);
    const admin = await sessionOf(ADMIN.username, ADMIN.password);
    const start = await fx.app.inject({ method: 'GET', url: '/api/auth/oidc/start?test=1', headers: { cookie: admin } });
    expect(start.statusCode).toBe(302);
    const callbackUrl = await idp.login(String(start.headers.location), 'alice');
    const res = await callback(fx.app, callbackUrl, `${FLOW_COOKIE}=${cookieFrom(start, FLOW_COOKIE)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('you would be alice with role admin');
    expect(cookieFrom(res, SESSION_COOKIE)).toBeUndefined();
    expect(fx.oidcReadiness.problem(idp.issuer)).toBeNull();
  });

  it('is for admins only, and a plain login flow is refused outside oauth2 mode', async () => {
    const editor = await sessionOf(EDITOR.username, EDITOR.password);
    expect((await fx.app.inject({ method: 'GET', url: '/api/auth/oidc/start?test=1', headers: { cookie: editor } })).statusCode).toBe(403);
    expect((await fx.app.inject({ method: 'GET', url: '/api/auth/oidc/start?test=1' })).statusCode).toBe(401);
    const plain = await fx.app.inject({ method: 'GET', url: '/api/auth/oidc/start' });
    expect(plain.statusCode).toBe(303);
    expect(plain.headers.location).toBe('/login');
  });
});
