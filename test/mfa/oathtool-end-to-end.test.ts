import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { codeStep, enrolThroughPages, hasOathtool, oathtoolCode, passwordStep } from '../support/mfa.js';
import { ALICE, checkAs, logoutForm, signIn, userPasswordFixture } from '../support/user-password.js';

describe('codes from an independent generator (oathtool) are accepted end to end', () => {
  let fx: AppFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it('oathtool is installed (a missing binary fails the suite, it is never skipped)', () => {
    expect(hasOathtool(), 'install the Debian package: apt-get install -y oathtool').toBe(true);
  });

  it('oathtool agrees with the RFC 6238 SHA1 vector at T=59 (6 digits)', () => {
    // Seed "12345678901234567890" in base32.
    expect(oathtoolCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000)).toBe('287082');
  });

  it('enrol from the manual key with an oathtool code, log out, log in with password + an oathtool code', async () => {
    fx = await userPasswordFixture([ALICE]);
    const f = fx;
    const first = await signIn(f.app, ALICE);

    // Enrolment as a person with a hand-typed key: the key comes from the page, the code from oathtool.
    const enrolled = await enrolThroughPages(f.app, first, (secret) => oathtoolCode(secret, f.clock.now));
    expect(enrolled.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolled.recoveryCodes).toHaveLength(10);
    expect(f.accounts.mfa.status(f.accounts.users.find('alice')!.id)).toMatchObject({ totpEnrolled: true, recoveryCodesLeft: 10 });
    expect((await checkAs(f.app, { session: enrolled.session })).statusCode).toBe(200);

    expect((await logoutForm(f.app, enrolled.session)).statusCode).toBe(303);
    expect((await checkAs(f.app, { session: enrolled.session })).statusCode).toBe(401);

    f.clock.now += 60_000; // 12:01:00 UTC: the step used to confirm is spent
    const { res, session: partial } = await passwordStep(f.app, ALICE);
    expect(res.headers.location).toBe(`/login/2fa?rd=${encodeURIComponent('https://app.example.com/')}`);
    expect((await checkAs(f.app, { session: partial })).statusCode).toBe(401);

    const code = oathtoolCode(enrolled.secret, f.clock.now);
    const done = await codeStep(f.app, partial, code);
    expect(done.res.statusCode).toBe(303);
    expect(done.res.headers.location).toBe('https://app.example.com/');
    const check = await checkAs(f.app, { session: done.session! });
    expect(check.statusCode).toBe(200);
    expect(check.headers['remote-user']).toBe('alice');
  });

  it('an oathtool code one step old is still accepted (±1), two steps old is not', async () => {
    fx = await userPasswordFixture([ALICE]);
    const f = fx;
    const enrolled = await enrolThroughPages(f.app, await signIn(f.app, ALICE), (secret) => oathtoolCode(secret, f.clock.now));
    f.clock.now += 5 * 60_000;

    const { session: partial } = await passwordStep(f.app, ALICE);
    const stale = await codeStep(f.app, partial, oathtoolCode(enrolled.secret, f.clock.now - 60_000));
    expect(stale.res.statusCode).toBe(401);
    const late = await codeStep(f.app, partial, oathtoolCode(enrolled.secret, f.clock.now - 30_000));
    expect(late.res.statusCode).toBe(303);
  });
});
