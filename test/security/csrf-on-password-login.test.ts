import { afterEach, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { AppFixture } from '../support/app-fixture.js';
import { loginFormTokens } from '../support/login.js';
import { ALICE, checkAs, cookieOf, jsonLogin, PORTAL, sessionFrom, signIn, userPasswordFixture } from '../support/user-password.js';

/**
 * Attack (userPassword mode): a cross-site page posts the login form with the
 * attacker's credentials, so the victim works inside the attacker's account
 * (login CSRF); or posts the JSON twin, or the logout form.
 */
describe('CSRF on the userPassword login', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  function post(fields: Record<string, string>, headers: Record<string, string>): Promise<LightMyRequestResponse> {
    return fx.app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(fields).toString(),
    });
  }

  function expectRefused(res: LightMyRequestResponse) {
    expect(res.statusCode).toBe(403);
    expect(sessionFrom(res)).toBeUndefined();
    expect(fx.sessions.list()).toHaveLength(0);
  }

  const credentials = { username: ALICE.username, password: ALICE.password };

  it('the same-origin form with its token signs in (control)', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { cookie, csrf } = await loginFormTokens(fx.app);
    const res = await post({ ...credentials, csrf }, { origin: PORTAL, cookie });
    expect(res.statusCode).toBe(303);
    expect(sessionFrom(res)).toBeDefined();
  });

  it('a POST without a token, or with an empty one, is refused with 403 and no session', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { cookie } = await loginFormTokens(fx.app);
    expectRefused(await post(credentials, { origin: PORTAL, cookie }));
    expectRefused(await post({ ...credentials, csrf: '' }, { origin: PORTAL, cookie }));
    expectRefused(await post({ ...credentials, csrf: 'x' }, { origin: PORTAL }));
  });

  it('a token bound to another browser cookie is refused', async () => {
    fx = await userPasswordFixture([ALICE]);
    const attacker = await loginFormTokens(fx.app);
    const victim = await loginFormTokens(fx.app);
    expect(attacker.csrf).not.toBe(victim.csrf);
    expectRefused(await post({ ...credentials, csrf: attacker.csrf }, { origin: PORTAL, cookie: victim.cookie }));
    expectRefused(await post({ ...credentials, csrf: attacker.csrf }, { origin: PORTAL }));
  });

  it('a valid token posted from a foreign Origin is refused', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { cookie, csrf } = await loginFormTokens(fx.app);
    for (const origin of ['https://evil.example.net', 'https://app.example.com', 'http://auth.example.com', 'null']) {
      expectRefused(await post({ ...credentials, csrf }, { origin, cookie }));
    }
    expectRefused(await post({ ...credentials, csrf }, { cookie, 'sec-fetch-site': 'cross-site' }));
  });

  it('a refused CSRF post runs no password check and counts no failure', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { cookie } = await loginFormTokens(fx.app);
    for (let i = 0; i < 10; i++) await post({ username: 'alice', password: 'wrong password guess' }, { origin: 'https://evil.example.net', cookie });
    expect(fx.accounts.regulator.activeBans()).toEqual([]);
    expect(await signIn(fx.app, ALICE)).toBeTruthy();
  });

  it('the JSON twin refuses a foreign Origin and form content types', async () => {
    fx = await userPasswordFixture([ALICE]);
    const foreign = await jsonLogin(fx.app, ALICE.username, ALICE.password, { origin: 'https://evil.example.net' });
    expect(foreign.res.statusCode).toBe(403);
    expect(foreign.session).toBeUndefined();
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await fx.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '127.0.0.1',
        headers: { 'content-type': contentType, origin: PORTAL },
        payload: JSON.stringify(credentials),
      });
      expect(res.statusCode, contentType).toBe(415);
      expect(sessionFrom(res)).toBeUndefined();
    }
    expect(fx.sessions.list()).toHaveLength(0);
  });

  it('a cross-site logout leaves the session alive', async () => {
    fx = await userPasswordFixture([ALICE]);
    const session = await signIn(fx.app, ALICE);
    const { cookie, csrf } = await loginFormTokens(fx.app);
    const res = await fx.app.inject({
      method: 'POST',
      url: '/logout',
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example.net', cookie: `${cookie}; ${cookieOf(session)}` },
      payload: new URLSearchParams({ csrf }).toString(),
    });
    expect(res.statusCode).toBe(403);
    expect((await checkAs(fx.app, { session })).statusCode).toBe(200);
  });
});
