import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { ALICE, basic, checkAs, jsonLogin, sessionFor, userPasswordFixture, VICTOR } from '../support/user-password.js';

/**
 * Attack: send a wrong (or guessed) Basic header beside a stolen or stale
 * session cookie, hoping a failed Basic check falls back to the cookie; or
 * brute-force passwords through the check endpoint instead of the portal.
 */
describe('Basic auth: no cookie fallback (userPassword mode)', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('a wrong Basic header with a valid session cookie is 401 + WWW-Authenticate: Basic', async () => {
    fx = await userPasswordFixture([ALICE]);
    const session = await sessionFor(fx, 'alice');
    expect((await checkAs(fx.app, { session })).statusCode).toBe(200);
    for (const authorization of [basic('alice', 'wrong password here'), basic('nobody', ALICE.password), 'Basic not-base64!', 'Basic ' + Buffer.from('no-colon').toString('base64')]) {
      const res = await checkAs(fx.app, { session, authorization, accept: 'text/html' });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="Gatehouse"/);
      expect(res.headers['remote-user']).toBeUndefined();
      expect(res.headers.location).toBeUndefined();
    }
  });

  it('the right Basic credentials pass with Remote-User and Remote-Groups', async () => {
    fx = await userPasswordFixture([ALICE, VICTOR]);
    const res = await checkAs(fx.app, { authorization: basic('alice', ALICE.password) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['remote-user']).toBe('alice');
    expect(res.headers['remote-groups']).toBe('admin');
    const viewerPost = await checkAs(fx.app, { authorization: basic('victor', VICTOR.password), method: 'POST' });
    expect(viewerPost.statusCode).toBe(403);
    // The session cookie is not needed, and none is set (proxies drop Set-Cookie on 2xx anyway).
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('the same check on the nginx endpoint refuses a wrong Basic header too', async () => {
    fx = await userPasswordFixture([ALICE]);
    const session = await sessionFor(fx, 'alice');
    const res = await fx.app.inject({
      method: 'GET',
      url: '/api/authz/auth-request',
      remoteAddress: '127.0.0.1',
      headers: { 'x-original-url': 'https://app.example.com/', 'x-original-method': 'GET', 'x-forwarded-for': '203.0.113.7', cookie: `gatehouse_session=${session}`, authorization: basic('alice', 'wrong password here') },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic/);
  });

  it('wrong Basic attempts count toward regulation: after 5 the right password is refused', async () => {
    fx = await userPasswordFixture([ALICE]);
    for (let i = 0; i < 5; i++) expect((await checkAs(fx.app, { authorization: basic('alice', `wrong guess ${i}`), ip: '203.0.113.66' })).statusCode).toBe(401);
    const banned = await checkAs(fx.app, { authorization: basic('alice', ALICE.password), ip: '203.0.113.66' });
    expect(banned.statusCode).toBe(401);
    expect(banned.headers['www-authenticate']).toMatch(/^Basic/);
    // The account ban reaches the portal login as well.
    expect((await jsonLogin(fx.app, 'alice', ALICE.password, { ip: '198.51.100.9' })).res.statusCode).toBe(401);
  });

  it('a ban also stops Basic credentials that were verified (and cached) before it', async () => {
    fx = await userPasswordFixture([ALICE]);
    expect((await checkAs(fx.app, { authorization: basic('alice', ALICE.password), ip: '198.51.100.9' })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) await checkAs(fx.app, { authorization: basic('alice', `wrong guess ${i}`), ip: '203.0.113.66' });
    // A correct guess during the ban must not be told apart from a wrong one.
    const fromAttacker = await checkAs(fx.app, { authorization: basic('alice', ALICE.password), ip: '203.0.113.66' });
    expect(fromAttacker.statusCode).toBe(401);
    const fromOwner = await checkAs(fx.app, { authorization: basic('alice', ALICE.password), ip: '198.51.100.9' });
    expect(fromOwner.statusCode).toBe(401);
  });

  it('a cached Basic verification ends as soon as the password changes', async () => {
    fx = await userPasswordFixture([ALICE]);
    expect((await checkAs(fx.app, { authorization: basic('alice', ALICE.password) })).statusCode).toBe(200);
    await fx.accounts.users.setPassword('alice', 'a brand new passphrase', { name: 'test' });
    expect((await checkAs(fx.app, { authorization: basic('alice', ALICE.password) })).statusCode).toBe(401);
    expect((await checkAs(fx.app, { authorization: basic('alice', 'a brand new passphrase') })).statusCode).toBe(200);
  });
});
