import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, cookieFrom, fetchForm, INSTANCE_TOKEN, postForm, sessionCookie, TOKEN_MODE, tokenLogin } from '../support/portal.js';

/**
 * Attack: a cross-site page posts the login form (login CSRF: the victim ends
 * up signed in to the attacker's session) or the logout form.
 */
describe('CSRF on the login and logout forms', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  async function expectRefused(fields: Record<string, string>, cookie: string, headers: Record<string, string> = {}) {
    const res = await postForm(fx.app, '/login', fields, cookie, headers);
    expect(res.statusCode).toBe(403);
    expect(cookieFrom(res, SESSION_COOKIE)).toBeUndefined();
    expect(res.body).toContain('came from another site');
  }

  it('the same-origin form with its token signs in (control)', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    expect((await tokenLogin(fx.app)).res.statusCode).toBe(303);
  });

  it('a POST without the csrf field is refused with 403', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const { csrfCookie } = await fetchForm(fx.app, '/login');
    await expectRefused({ token: INSTANCE_TOKEN }, csrfCookie);
    await expectRefused({ token: INSTANCE_TOKEN, csrf: '' }, csrfCookie);
  });

  it('a csrf token without its cookie, or with another browser cookie, is refused', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const mine = await fetchForm(fx.app, '/login');
    const theirs = await fetchForm(fx.app, '/login');
    expect(mine.csrf).not.toBe(theirs.csrf);
    await expectRefused({ token: INSTANCE_TOKEN, csrf: mine.csrf }, '');
    await expectRefused({ token: INSTANCE_TOKEN, csrf: mine.csrf }, theirs.csrfCookie);
    await expectRefused({ token: INSTANCE_TOKEN, csrf: `${mine.csrf}x` }, mine.csrfCookie);
  });

  it('a cookie planted by a sibling subdomain is useless without the server key', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    await expectRefused({ token: INSTANCE_TOKEN, csrf: 'AAAAAAAAAAAAAAAAAAAAAA' }, 'gatehouse_csrf=AAAAAAAAAAAAAAAAAAAAAA');
  });

  it('a valid token posted from another origin is refused', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const { csrfCookie, csrf } = await fetchForm(fx.app, '/login');
    for (const origin of ['https://evil.com', 'https://app.example.com', 'http://auth.example.com', 'https://auth.example.com:8443', 'null']) {
      await expectRefused({ token: INSTANCE_TOKEN, csrf }, csrfCookie, { origin });
    }
  });

  it('a cross-site POST without Origin is refused by Sec-Fetch-Site', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const { csrfCookie, csrf } = await fetchForm(fx.app, '/login');
    const res = await fx.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie, 'sec-fetch-site': 'cross-site' },
      payload: new URLSearchParams({ token: INSTANCE_TOKEN, csrf }).toString(),
    });
    expect(res.statusCode).toBe(403);
    expect(cookieFrom(res, SESSION_COOKIE)).toBeUndefined();
  });

  it('a logout POST without a valid csrf token is refused and the session survives', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const session = (await tokenLogin(fx.app)).session!;
    const res = await postForm(fx.app, '/logout', {}, sessionCookie(session));
    expect(res.statusCode).toBe(403);
    const evil = await fetchForm(fx.app, '/logout');
    const crossSite = await postForm(fx.app, '/logout', { csrf: evil.csrf }, `${sessionCookie(session)}; ${evil.csrfCookie}`, { origin: 'https://evil.com' });
    expect(crossSite.statusCode).toBe(403);
    expect((await check(fx.app, 'forward-auth', 'https://app.example.com/', { cookie: sessionCookie(session) })).statusCode).toBe(200);
  });
});
