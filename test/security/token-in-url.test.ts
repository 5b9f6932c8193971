import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { userNamed } from '../support/mfa.js';
import { ALICE, checkAs, cookieOf, signIn, userPasswordFixture } from '../support/user-password.js';

/**
 * Attack (or accident): an API token put in a URL (`?access_token=gh_…`)
 * lands in proxy and app logs, browser history and Referer headers. Gatehouse
 * refuses such requests outright rather than honouring the token.
 */
describe('API token in the URL', () => {
  let fx: AppFixture;
  let token: string;
  afterEach(() => fx?.close());

  async function setup(): Promise<void> {
    fx = await userPasswordFixture([ALICE]);
    ({ token } = await fx.accounts.tokens.create(userNamed(fx, 'alice'), { name: 'ci' }, { name: 'test' }));
    // The token itself is good in the header.
    expect((await checkAs(fx.app, { authorization: `Bearer ${token}` })).statusCode).toBe(200);
  }

  it('a gh_ token in the forwarded URI\'s query is 400 token_in_url at forward-auth, never honoured', async () => {
    await setup();
    for (const url of [`https://app.example.com/dash?access_token=${token}`, `https://app.example.com/api?x=1&token=${token}&y=2`]) {
      const res = await checkAs(fx.app, { url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: 'token_in_url' });
      expect(res.headers['remote-user'], url).toBeUndefined();
      // Not even with the same token (or a session) in the proper place as well.
      expect((await checkAs(fx.app, { url, authorization: `Bearer ${token}` })).statusCode, url).toBe(400);
      expect((await checkAs(fx.app, { url, accept: 'text/html' })).headers.location, url).toBeUndefined();
    }
    // The error body does not echo the token back.
    expect((await checkAs(fx.app, { url: `https://app.example.com/?t=${token}` })).body).not.toContain(token);
  });

  it('the same at the nginx auth-request endpoint', async () => {
    await setup();
    const res = await fx.app.inject({
      method: 'GET',
      url: '/api/authz/auth-request',
      remoteAddress: '127.0.0.1',
      headers: { 'x-original-url': `https://app.example.com/dash?access_token=${token}`, 'x-original-method': 'GET', 'x-forwarded-for': '203.0.113.7' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'token_in_url' });
    expect(res.headers['remote-user']).toBeUndefined();
  });

  it('a gh_ token in the query of a Gatehouse route is 400 token_in_url', async () => {
    await setup();
    const session = await signIn(fx.app, ALICE);
    for (const url of [`/api/auth/status?access_token=${token}`, `/api/auth/tokens?token=${token}`, `/api/admin/sessions?token=${token}`, `/login?rd=https%3A%2F%2Fapp.example.com%2F%3Ft%3D${token}`]) {
      const res = await fx.app.inject({ method: 'GET', url, remoteAddress: '127.0.0.1', headers: { cookie: cookieOf(session), authorization: `Bearer ${token}` } });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: 'token_in_url' });
      expect(res.body, url).not.toContain(token);
    }
    // Without the token in the URL, the same request is fine.
    expect((await fx.app.inject({ method: 'GET', url: '/api/auth/status', remoteAddress: '127.0.0.1', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });
});
