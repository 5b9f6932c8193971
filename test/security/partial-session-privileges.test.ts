import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { enrolTotp, passwordStep, postForm, userNamed } from '../support/mfa.js';
import { ALICE, api, BOB, checkAs, cookieOf, jsonLogin, userPasswordFixture } from '../support/user-password.js';

/**
 * Attack: stop after the password (the attacker has it, not the second
 * factor) and use the partial session cookie as if it were a login: at the
 * check, on the admin API, to mint an API token, or to read status.
 */
describe('a partial session (password done, second factor owed) has no privileges', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  async function partials(): Promise<Array<{ how: string; session: string }>> {
    fx = await userPasswordFixture([ALICE, BOB]);
    await enrolTotp(fx, userNamed(fx, 'alice'));
    // bob must use 2FA but has none yet: his password leads into enrolment, also a partial session.
    await fx.accounts.users.setRequires2fa('bob', true, { name: 'test' });
    const form = await passwordStep(fx.app, ALICE);
    expect(form.res.headers.location).toMatch(/^\/login\/2fa\?rd=/);
    const json = await jsonLogin(fx.app, 'alice', ALICE.password);
    expect(json.res.json()).toMatchObject({ status: 'second_factor_required' });
    const enrolment = await passwordStep(fx.app, BOB);
    expect(enrolment.res.headers.location).toMatch(/^\/profile\/2fa\?rd=/);
    return [
      { how: 'form login, second factor owed', session: form.session },
      { how: 'JSON login, second factor owed', session: json.session! },
      { how: 'enrolment owed', session: enrolment.session },
    ];
  }

  it('the forward-auth and auth-request checks do not pass it', async () => {
    for (const { how, session } of await partials()) {
      const api401 = await checkAs(fx.app, { session });
      expect(api401.statusCode, how).toBe(401);
      expect(api401.headers['remote-user'], how).toBeUndefined();
      const browser = await checkAs(fx.app, { session, accept: 'text/html' });
      expect(browser.statusCode, how).toBe(302);
      expect(browser.headers.location, how).toMatch(/^https:\/\/auth\.example\.com\/login\?rd=/);
      // Also on Gatehouse's own admin routes as a target.
      expect((await checkAs(fx.app, { session, url: 'https://auth.example.com/api/admin/sessions' })).statusCode, how).toBe(401);
      const nginx = await fx.app.inject({
        method: 'GET',
        url: '/api/authz/auth-request',
        remoteAddress: '127.0.0.1',
        headers: { 'x-original-url': 'https://app.example.com/dash', 'x-original-method': 'GET', 'x-forwarded-for': '203.0.113.7', cookie: cookieOf(session) },
      });
      expect(nginx.statusCode, how).toBe(401);
      expect(nginx.headers['remote-user'], how).toBeUndefined();
    }
  });

  it('the admin API answers 401', async () => {
    for (const { how, session } of await partials()) {
      expect((await api(fx.app, 'GET', '/api/admin/sessions', session)).statusCode, how).toBe(401);
      expect((await api(fx.app, 'GET', '/api/admin/users/bob/mfa', session)).statusCode, how).toBe(401);
      expect((await api(fx.app, 'POST', '/api/admin/users/bob/reset-2fa', session, {})).statusCode, how).toBe(401);
      const sessions = fx.sessions.list();
      const victim = sessions.find((s) => s.principal.username === 'bob')!;
      expect((await api(fx.app, 'DELETE', `/api/admin/sessions/${victim.id}`, session)).statusCode, how).toBe(401);
    }
    expect(fx.accounts.mfa.status(userNamed(fx, 'alice').id).totpEnrolled).toBe(true);
  });

  it('cannot mint or list API tokens', async () => {
    for (const { how, session } of await partials()) {
      const created = await api(fx.app, 'POST', '/api/auth/tokens', session, { name: 'stolen', role: 'viewer' });
      expect([401, 403], how).toContain(created.statusCode);
      expect(created.body, how).not.toMatch(/gh_[0-9a-f]{16}_/);
      expect((await api(fx.app, 'GET', '/api/auth/tokens', session)).statusCode, how).toBe(401);
    }
    expect(fx.accounts.tokens.list()).toEqual([]);
  });

  it('/api/auth/status and /api/auth/sessions answer 401', async () => {
    for (const { how, session } of await partials()) {
      const status = await api(fx.app, 'GET', '/api/auth/status', session);
      expect(status.statusCode, how).toBe(401);
      expect(status.json(), how).toMatchObject({ error: 'authentication_required' });
      expect((await api(fx.app, 'GET', '/api/auth/sessions', session)).statusCode, how).toBe(401);
    }
  });

  it('cannot regenerate recovery codes or turn 2FA off, and a second-factor partial cannot reach enrolment', async () => {
    const [form, , enrolment] = await partials();
    // The partial that owes a code is sent to sign in: the profile pages do not take it.
    const page = await fx.app.inject({ method: 'GET', url: '/profile/2fa', remoteAddress: '127.0.0.1', headers: { cookie: cookieOf(form!.session) } });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toMatch(/^\/login\?/);
    // The enrolment partial may enrol, nothing more.
    for (const path of ['/profile/2fa/recovery', '/profile/2fa/disable']) {
      const res = await postForm(fx.app, '/profile/2fa', path, enrolment!.session, { code: '123456' });
      expect(res.statusCode, path).toBe(403);
    }
  });
});
