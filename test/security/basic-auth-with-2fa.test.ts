import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { enrolTotp, userNamed } from '../support/mfa.js';
import { ALICE, basic, BOB, checkAs, userPasswordFixture } from '../support/user-password.js';

/**
 * Attack: skip the second factor by sending the password alone as Basic
 * credentials on the check (or on Gatehouse's own API). A user with TOTP is
 * one factor short there; scripts use API tokens instead.
 */
describe('Basic auth for a user with a second factor', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('the right password as Basic is refused at the check (401 + WWW-Authenticate: Basic)', async () => {
    fx = await userPasswordFixture([ALICE]);
    await enrolTotp(fx, userNamed(fx, 'alice'));
    for (const endpoint of ['forward-auth', 'auth-request'] as const) {
      const res =
        endpoint === 'forward-auth'
          ? await checkAs(fx.app, { authorization: basic('alice', ALICE.password), accept: 'text/html' })
          : await fx.app.inject({
              method: 'GET',
              url: '/api/authz/auth-request',
              remoteAddress: '127.0.0.1',
              headers: { 'x-original-url': 'https://app.example.com/dash', 'x-original-method': 'GET', 'x-forwarded-for': '203.0.113.7', authorization: basic('alice', ALICE.password) },
            });
      expect(res.statusCode, endpoint).toBe(401);
      expect(res.headers['www-authenticate'], endpoint).toMatch(/^Basic realm="Gatehouse"/);
      expect(res.headers['remote-user'], endpoint).toBeUndefined();
    }
    // Nor on Gatehouse's own API.
    const status = await fx.app.inject({ method: 'GET', url: '/api/auth/status', remoteAddress: '127.0.0.1', headers: { authorization: basic('alice', ALICE.password) } });
    expect(status.statusCode).toBe(401);
  });

  it('a Basic pair that worked before the user enrolled stops working at once (no cached pass)', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const before = await checkAs(fx.app, { authorization: basic('bob', BOB.password) });
    expect(before.statusCode).toBe(200);
    expect(before.headers['remote-user']).toBe('bob');
    await enrolTotp(fx, userNamed(fx, 'bob'));
    const after = await checkAs(fx.app, { authorization: basic('bob', BOB.password) });
    expect(after.statusCode).toBe(401);
    expect(after.headers['remote-user']).toBeUndefined();
    // alice, without a second factor, still may use Basic.
    expect((await checkAs(fx.app, { authorization: basic('alice', ALICE.password) })).statusCode).toBe(200);
  });
});
