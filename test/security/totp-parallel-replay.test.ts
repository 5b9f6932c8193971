import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { codeAt, enrolTotp, formTokens, passwordStep, userNamed } from '../support/mfa.js';
import { ALICE, api, cookieOf, jsonLogin, PORTAL, sessionFrom, userPasswordFixture } from '../support/user-password.js';

/**
 * Attack: the same TOTP code sent in two requests at once, hoping both pass
 * the "already used?" check before either records the use.
 */
describe('TOTP parallel replay', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('the same code in two concurrent /login/2fa posts: exactly one login finishes', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { secret } = await enrolTotp(fx, userNamed(fx, 'alice'));
    for (let round = 0; round < 3; round++) {
      fx.clock.now += 60_000;
      const code = await codeAt(secret, fx.clock.now);
      // Two browsers that each passed the password step, with their form tokens ready.
      const browsers = await Promise.all([0, 1].map(async () => {
        const { session } = await passwordStep(fx.app, ALICE);
        return { session, ...(await formTokens(fx.app, '/login/2fa', session)) };
      }));
      const results = await Promise.all(
        browsers.map((b) =>
          fx.app.inject({
            method: 'POST',
            url: '/login/2fa',
            remoteAddress: '127.0.0.1',
            headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL, cookie: `${cookieOf(b.session)}; ${b.csrfCookie}` },
            payload: new URLSearchParams({ csrf: b.csrf, code, rd: 'https://app.example.com/' }).toString(),
          }),
        ),
      );
      expect(results.map((r) => r.statusCode).sort(), `round ${round}`).toEqual([303, 401]);
      expect(results.filter((r) => sessionFrom(r) !== undefined)).toHaveLength(1);
    }
  });

  it('the same code in two concurrent /api/auth/2fa calls: exactly one succeeds', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { secret } = await enrolTotp(fx, userNamed(fx, 'alice'));
    const partials = [(await jsonLogin(fx.app, 'alice', ALICE.password)).session!, (await jsonLogin(fx.app, 'alice', ALICE.password)).session!];
    const code = await codeAt(secret, fx.clock.now);
    const results = await Promise.all(partials.map((s) => api(fx.app, 'POST', '/api/auth/2fa', s, { code })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('eight racing verifications of one code in the service: one wins', async () => {
    fx = await userPasswordFixture([ALICE]);
    const user = userNamed(fx, 'alice');
    const { secret } = await enrolTotp(fx, user);
    const code = await codeAt(secret, fx.clock.now);
    const results = await Promise.all(Array.from({ length: 8 }, () => fx.accounts.mfa.verifySecondFactor(user, code, { actor: 'alice' })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });
});
