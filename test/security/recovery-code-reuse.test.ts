import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { codeStep, enrolTotp, formTokens, loginWithTotp, passwordStep, postForm, recoveryCodesFrom, userNamed } from '../support/mfa.js';
import { ALICE, api, checkAs, cookieOf, PORTAL, sessionFrom, userPasswordFixture } from '../support/user-password.js';

/**
 * Attack: a recovery code (single-use, printed on paper) is used again: after
 * it was spent, twice at the same moment, or after the whole set was replaced.
 */
describe('recovery code reuse', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('a used recovery code is refused the second time', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { recoveryCodes } = await enrolTotp(fx, userNamed(fx, 'alice'));
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    const first = await codeStep(fx.app, (await passwordStep(fx.app, ALICE)).session, recoveryCodes[0]!);
    expect(first.res.statusCode).toBe(303);
    expect((await checkAs(fx.app, { session: first.session! })).statusCode).toBe(200);
    const status = await api(fx.app, 'GET', '/api/auth/status', first.session!);
    expect(status.json()).toMatchObject({ acr: 'aal2', amr: ['pwd', 'rec'], mfa: { recoveryCodesLeft: 9 } });

    const again = await codeStep(fx.app, (await passwordStep(fx.app, ALICE)).session, recoveryCodes[0]!);
    expect(again.res.statusCode).toBe(401);
    expect(again.session).toBeUndefined();
    // Typed in lower case without the dash, another code still works once.
    const relaxed = recoveryCodes[1]!.toLowerCase().replace('-', '');
    expect((await codeStep(fx.app, (await passwordStep(fx.app, ALICE)).session, relaxed)).res.statusCode).toBe(303);
    expect((await codeStep(fx.app, (await passwordStep(fx.app, ALICE)).session, recoveryCodes[1]!)).res.statusCode).toBe(401);
    expect(fx.accounts.mfa.status(userNamed(fx, 'alice').id).recoveryCodesLeft).toBe(8);
  });

  it('the same recovery code in two concurrent logins: exactly one wins, one code is spent', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { recoveryCodes } = await enrolTotp(fx, userNamed(fx, 'alice'));
    const code = recoveryCodes[4]!;
    const browsers = await Promise.all([0, 1, 2].map(async () => {
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
    expect(results.map((r) => r.statusCode).sort()).toEqual([303, 401, 401]);
    expect(results.filter((r) => sessionFrom(r))).toHaveLength(1);
    expect(fx.accounts.mfa.status(userNamed(fx, 'alice').id).recoveryCodesLeft).toBe(9);

    // And straight at the service, eight at once.
    const user = userNamed(fx, 'alice');
    const raced = await Promise.all(Array.from({ length: 8 }, () => fx.accounts.mfa.verifySecondFactor(user, recoveryCodes[5]!, { actor: 'alice' })));
    expect(raced.filter((r) => r.ok)).toHaveLength(1);
    expect(fx.accounts.mfa.status(user.id).recoveryCodesLeft).toBe(8);
  });

  it('after "make new recovery codes", a code from the replaced set is refused and a new one works', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { secret, recoveryCodes: old } = await enrolTotp(fx, userNamed(fx, 'alice'));
    const session = await loginWithTotp(fx, ALICE, secret);
    const regenerated = await postForm(fx.app, '/profile/2fa', '/profile/2fa/recovery', session, {});
    expect(regenerated.statusCode).toBe(200);
    const fresh = recoveryCodesFrom(regenerated.body);
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((c) => old.includes(c))).toEqual([]);
    expect(fx.accounts.mfa.status(userNamed(fx, 'alice').id).recoveryCodesLeft).toBe(10);

    for (const stale of [old[0]!, old[9]!]) {
      expect((await codeStep(fx.app, (await passwordStep(fx.app, ALICE)).session, stale)).res.statusCode, stale).toBe(401);
    }
    expect((await codeStep(fx.app, (await passwordStep(fx.app, ALICE)).session, fresh[0]!)).res.statusCode).toBe(303);
  });
});
