import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { UsersStore } from '../../config/users-store.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { WorkerPasswordHasher } from '../../src/users/password-hasher.js';
import { UserService } from '../../src/users/user-service.js';
import { authRequestHeaders, type AppFixture } from '../support/app-fixture.js';
import { ALICE, APP_URL, PORTAL, api, basic, checkAs, cookieOf, formLogin, jsonLogin, readAuditFile, sessionFrom, userPasswordFixture } from '../support/user-password.js';

/** What `gatehouse recover` prints: a password that signs in once, on the portal form, to set a new one. */
const ONE_TIME = 'Qm3vX9-printed-by-recover';
const NEW_PASSWORD = 'alice picked a fresh long passphrase';

describe('a one-time password from `gatehouse recover` cannot be reused', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  /** alice is an admin whose password was just reset by `gatehouse recover`. */
  async function recovered(): Promise<AppFixture> {
    fx = await userPasswordFixture([ALICE], { security: { regulation: { maxRetries: 100 } } });
    await fx.accounts.users.setPassword('alice', ONE_TIME, { name: 'cli:root' }, { mustChange: true });
    return fx;
  }

  const alice = () => fx.accounts.users.find('alice')!;

  function authRequest(authorization: string): Promise<LightMyRequestResponse> {
    return fx.app.inject({ method: 'GET', url: '/api/authz/auth-request', remoteAddress: '127.0.0.1', headers: { ...authRequestHeaders(APP_URL), authorization } });
  }

  /** GET /profile/password as `session`; the page and what its form posts with. */
  async function passwordPage(session: string): Promise<{ page: LightMyRequestResponse; cookie: string; csrf: string }> {
    const page = await fx.app.inject({ method: 'GET', url: `/profile/password?rd=${encodeURIComponent(APP_URL)}`, remoteAddress: '127.0.0.1', headers: { cookie: cookieOf(session) } });
    const nonce = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('gatehouse_csrf='));
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    return { page, cookie: `${cookieOf(session)}${nonce ? `; ${nonce}` : ''}`, csrf };
  }

  async function setNewPassword(session: string, password: string): Promise<LightMyRequestResponse> {
    const { cookie, csrf } = await passwordPage(session);
    return fx.app.inject({
      method: 'POST',
      url: '/profile/password',
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL, cookie, 'x-forwarded-for': '198.51.100.20' },
      payload: new URLSearchParams({ csrf, rd: APP_URL, password }).toString(),
    });
  }

  it('JSON login and Basic auth refuse it (as they refuse any password) and leave it unused for the form', async () => {
    await recovered();
    const json = await jsonLogin(fx.app, 'alice', ONE_TIME);
    expect(json.res.statusCode).toBe(403);
    expect(json.res.json()).toEqual({ error: 'password_change_required', message: expect.stringMatching(/one-time/) });
    expect(json.session).toBeUndefined();

    const wrong = await checkAs(fx.app, { authorization: basic('alice', 'not the password at all') });
    for (const res of [await checkAs(fx.app, { authorization: basic('alice', ONE_TIME) }), await authRequest(basic('alice', ONE_TIME))]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe(wrong.headers['www-authenticate']);
      expect(res.headers['remote-user']).toBeUndefined();
      expect(res.body).toBe(wrong.body);
    }
    expect(alice().oneTimePasswordUsedAt).toBeUndefined();

    const { res, session } = await formLogin(fx.app, { username: 'alice', password: ONE_TIME, rd: APP_URL });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/profile/password?rd=${encodeURIComponent(APP_URL)}`);
    expect(session).toBeDefined();
  });

  it('signs in once, into a session that only sets a new password; then it verifies nowhere', async () => {
    await recovered();
    const first = await formLogin(fx.app, { username: 'alice', password: ONE_TIME, rd: APP_URL });
    expect(first.res.statusCode).toBe(303);
    expect(first.res.headers.location).toBe(`/profile/password?rd=${encodeURIComponent(APP_URL)}`);
    const partial = sessionFrom(first.res)!;
    expect(alice().oneTimePasswordUsedAt).toEqual(expect.any(String));
    // Until she sets a new password, nobody can sign in as this admin: lockout guards must not count her.
    expect(fx.accounts.users.hasUsableAdmin()).toBe(false);

    // The session is good for the password page and nothing else.
    expect((await checkAs(fx.app, { session: partial })).statusCode).toBe(401);
    const browser = await checkAs(fx.app, { session: partial, accept: 'text/html' });
    expect(browser.statusCode).toBe(302);
    expect(browser.headers.location).toMatch(/\/login\?rd=/);
    expect((await api(fx.app, 'GET', '/api/admin/users', partial)).statusCode).toBe(401);
    expect((await api(fx.app, 'GET', '/api/auth/status', partial)).statusCode).toBe(401);
    expect((await api(fx.app, 'POST', '/api/admin/users', partial, { username: 'mallory', role: 'admin', password: 'mallory wants in badly' })).statusCode).toBe(401);
    expect(fx.accounts.users.find('mallory')).toBeUndefined();
    const profile = await fx.app.inject({ method: 'GET', url: '/profile', remoteAddress: '127.0.0.1', headers: { cookie: cookieOf(partial) } });
    expect(profile.statusCode).toBe(303);
    expect(profile.headers.location).toBe('/profile/password');
    const enrol = await fx.app.inject({ method: 'GET', url: '/profile/2fa', remoteAddress: '127.0.0.1', headers: { cookie: cookieOf(partial) } });
    expect(enrol.headers.location).toMatch(/^\/login\?rd=/);
    const login = await fx.app.inject({ method: 'GET', url: '/login', remoteAddress: '127.0.0.1', headers: { cookie: cookieOf(partial) } });
    expect(login.headers.location).toMatch(/^\/profile\/password\?rd=/);
    const { page } = await passwordPage(partial);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('action="/profile/password"');
    expect(page.body).not.toContain('name="current"');

    // A second sign-in with it, anywhere, is a wrong password.
    const again = await formLogin(fx.app, { username: 'alice', password: ONE_TIME, rd: APP_URL }, '198.51.100.21');
    expect(again.res.statusCode).toBe(401);
    expect(again.session).toBeUndefined();
    const json = await jsonLogin(fx.app, 'alice', ONE_TIME);
    expect(json.res.statusCode).toBe(401);
    expect(json.res.json()).toMatchObject({ error: 'invalid_credentials' });
    expect((await checkAs(fx.app, { authorization: basic('alice', ONE_TIME) })).statusCode).toBe(401);

    // The new password may not be the one-time password again.
    const same = await setNewPassword(partial, ONE_TIME);
    expect(same.statusCode).toBe(400);
    expect(same.body).toMatch(/not the one-time password/);

    const changed = await setNewPassword(partial, NEW_PASSWORD);
    expect(changed.statusCode).toBe(303);
    expect(changed.headers.location).toBe(APP_URL);
    const full = sessionFrom(changed)!;
    const through = await checkAs(fx.app, { session: full });
    expect(through.statusCode).toBe(200);
    expect(through.headers['remote-user']).toBe('alice');
    expect(alice()).toMatchObject({ mustChangePassword: false });
    expect(alice().oneTimePasswordUsedAt).toBeUndefined();
    // The one-time session is gone, and cannot set a password a second time.
    expect((await passwordPage(partial)).page.statusCode).toBe(303);
    expect((await jsonLogin(fx.app, 'alice', ONE_TIME)).res.statusCode).toBe(401);
    expect((await jsonLogin(fx.app, 'alice', NEW_PASSWORD)).res.json()).toMatchObject({ status: 'signed_in' });

    const { text, events } = await readAuditFile(fx.dataDir);
    expect(events.filter((e) => e.event === 'user.one-time-password.used')).toEqual([expect.objectContaining({ actor: 'alice', target: 'alice', outcome: 'success' })]);
    expect(events.filter((e) => e.event === 'login.failure' && e.details?.reason === 'one_time_password_used').length).toBeGreaterThanOrEqual(3);
    expect(events).toContainEqual(expect.objectContaining({ event: 'user.password', actor: 'alice', details: { replaced: 'one_time_password' } }));
    expect(text).not.toContain(ONE_TIME);
    expect(text).not.toContain(NEW_PASSWORD);
  });

  it('two parallel form logins with it: exactly one gets in', async () => {
    await recovered();
    const results = await Promise.all([
      formLogin(fx.app, { username: 'alice', password: ONE_TIME, rd: APP_URL }, '198.51.100.31'),
      formLogin(fx.app, { username: 'alice', password: ONE_TIME, rd: APP_URL }, '198.51.100.32'),
    ]);
    expect(results.map((r) => r.res.statusCode).sort()).toEqual([303, 401]);
    expect(results.filter((r) => r.session !== undefined)).toHaveLength(1);
    const { events } = await readAuditFile(fx.dataDir);
    expect(events.filter((e) => e.event === 'user.one-time-password.used')).toHaveLength(1);
  });

  it('two processes verifying it at once (two services over one users.json): exactly one uses it', async () => {
    await recovered();
    // A second process (the CLI, or another replica) with its own copy of users.json in memory.
    const store = new UsersStore(fx.dataDir);
    await store.open();
    const hasher = new WorkerPasswordHasher(1);
    try {
      const other = new UserService(store, { hasher, audit: new AuditLog(fx.dataDir), regulator: null, bcryptCost: () => 12, now: Date.now });
      const results = await Promise.all([
        fx.accounts.users.checkLogin('alice', ONE_TIME, '198.51.100.41', { useOneTimePassword: true }),
        other.checkLogin('alice', ONE_TIME, '198.51.100.42', { useOneTimePassword: true }),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'invalid' }]);
    } finally {
      await hasher.close();
      store.close();
    }
  });

  it('a new `recover` ends the session of the previous one-time sign-in, and its password works once in turn', async () => {
    await recovered();
    const first = await formLogin(fx.app, { username: 'alice', password: ONE_TIME, rd: APP_URL });
    expect(first.res.statusCode).toBe(303);
    const second = 'Zr7wK2-printed-again-by-recover';
    await fx.accounts.users.setPassword('alice', second, { name: 'cli:root' }, { mustChange: true });
    expect((await passwordPage(sessionFrom(first.res)!)).page.statusCode).toBe(303);
    // Posting the form anyway: no session any more, so back to the login page, and nothing changed.
    const refused = await setNewPassword(sessionFrom(first.res)!, NEW_PASSWORD);
    expect(refused.headers.location).toMatch(/^\/login\?rd=/);
    expect(alice().mustChangePassword).toBe(true);
    const next = await formLogin(fx.app, { username: 'alice', password: second, rd: APP_URL });
    expect(next.res.headers.location).toMatch(/^\/profile\/password\?rd=/);
  });
});
