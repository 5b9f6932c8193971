import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { codeAt, codeStep, enrolThroughPages, enrolTotp, formTokens, loginWithTotp, passwordStep, postForm, userNamed } from '../support/mfa.js';
import { ALICE, api, BOB, checkAs, cookieOf, PORTAL, readAuditFile, signIn, userPasswordFixture } from '../support/user-password.js';

describe('turning TOTP off needs a current code', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('no code, a wrong code or a recovery code is refused (and spends nothing); a current code turns TOTP and recovery codes off', async () => {
    fx = await userPasswordFixture([ALICE]);
    const alice = userNamed(fx, 'alice');
    const { secret, recoveryCodes } = await enrolTotp(fx, alice);
    const session = await loginWithTotp(fx, ALICE, secret);
    fx.clock.now += 30_000;
    const current = await codeAt(secret, fx.clock.now);

    for (const code of ['', current === '123456' ? '654321' : '123456', recoveryCodes[0]!]) {
      const res = await postForm(fx.app, '/profile/2fa', '/profile/2fa/disable', session, { code });
      expect(res.statusCode, code).toBe(400);
      expect(res.body, code).toContain('current code');
      expect(fx.accounts.mfa.status(alice.id), code).toMatchObject({ totpEnrolled: true, recoveryCodesLeft: 10 });
    }

    const off = await postForm(fx.app, '/profile/2fa', '/profile/2fa/disable', session, { code: current });
    expect(off.statusCode).toBe(303);
    expect(off.headers.location).toBe('/profile/2fa');
    expect(fx.accounts.mfa.status(alice.id)).toMatchObject({ totpEnrolled: false, recoveryCodesLeft: 0, methods: [] });
    // The session vouched for by the factor just removed ends with it.
    expect((await checkAs(fx.app, { session })).statusCode).toBe(401);
    // Password alone signs in again.
    expect((await passwordStep(fx.app, ALICE)).res.headers.location).toBe('https://app.example.com/');
  });

  it('a form post from another origin cannot turn it off', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { secret } = await enrolTotp(fx, userNamed(fx, 'alice'));
    const session = await loginWithTotp(fx, ALICE, secret);
    fx.clock.now += 30_000;
    const { csrf, csrfCookie } = await formTokens(fx.app, '/profile/2fa', session);
    const res = await fx.app.inject({
      method: 'POST',
      url: '/profile/2fa/disable',
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example.net', cookie: `${cookieOf(session)}; ${csrfCookie}` },
      payload: new URLSearchParams({ csrf, code: await codeAt(secret, fx.clock.now) }).toString(),
    });
    expect(res.statusCode).toBe(403);
    expect(fx.accounts.mfa.status(userNamed(fx, 'alice').id).totpEnrolled).toBe(true);
  });
});

describe('every 2FA event is audited', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('enrolment (failed and confirmed), wrong codes, code and recovery sign-ins, regeneration, disable and admin reset', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const f = fx;
    // Enrolment through the pages, with a wrong code first.
    let first = await signIn(f.app, BOB);
    const page = await formTokens(f.app, '/profile/2fa', first);
    const wrongAtEnrol = await f.app.inject({
      method: 'POST',
      url: '/profile/2fa/confirm',
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL, cookie: `${cookieOf(first)}; ${page.csrfCookie}` },
      payload: new URLSearchParams({ csrf: page.csrf, code: '000000' }).toString(),
    });
    expect(wrongAtEnrol.statusCode).toBe(400);
    const enrolled = await enrolThroughPages(f.app, first, (secret) => codeAt(secret, f.clock.now));
    first = enrolled.session;

    // Sign-ins: a wrong code, a right one, a recovery code.
    f.clock.now += 60_000;
    const { session: partial } = await passwordStep(f.app, BOB);
    const good = await codeAt(enrolled.secret, f.clock.now);
    expect((await codeStep(f.app, partial, good === '111111' ? '222222' : '111111')).res.statusCode).toBe(401);
    const full = await codeStep(f.app, partial, good);
    expect(full.res.statusCode).toBe(303);
    expect((await codeStep(f.app, (await passwordStep(f.app, BOB)).session, enrolled.recoveryCodes[3]!)).res.statusCode).toBe(303);

    // New recovery codes, then off.
    expect((await postForm(f.app, '/profile/2fa', '/profile/2fa/recovery', full.session!, {})).statusCode).toBe(200);
    f.clock.now += 30_000;
    expect((await postForm(f.app, '/profile/2fa', '/profile/2fa/disable', full.session!, { code: await codeAt(enrolled.secret, f.clock.now) })).statusCode).toBe(303);

    // Enrolled again, then reset by the admin.
    await enrolTotp(f, userNamed(f, 'bob'));
    const admin = await signIn(f.app, ALICE);
    expect((await api(f.app, 'POST', '/api/admin/users/bob/reset-2fa', admin, {})).statusCode).toBe(200);

    const { text, events } = await readAuditFile(f.dataDir);
    const about = events.filter((e) => e.target === 'bob' && e.event.startsWith('mfa.'));
    const seen = (event: string, extra: Record<string, unknown> = {}) => about.filter((e) => e.event === event && Object.entries(extra).every(([k, v]) => (e as unknown as Record<string, unknown>)[k] === v));
    expect(seen('mfa.totp.failure', { actor: 'bob', outcome: 'failure' })).toHaveLength(1);
    expect(seen('mfa.totp.enrol', { actor: 'bob' })).toHaveLength(1); // the page enrolment; the service one is by "test"
    expect(seen('mfa.failure', { actor: 'bob', outcome: 'failure' })).toHaveLength(1);
    expect(seen('mfa.totp.success', { actor: 'bob', outcome: 'success' }).length).toBeGreaterThanOrEqual(1);
    expect(seen('mfa.recovery.use', { actor: 'bob', outcome: 'success' })).toHaveLength(1);
    expect(seen('mfa.recovery.regenerate', { actor: 'bob' }).length).toBeGreaterThanOrEqual(2); // at enrolment and on request
    expect(seen('mfa.totp.disable', { actor: 'bob' })).toHaveLength(1);
    expect(seen('mfa.reset', { actor: 'alice' })).toHaveLength(1);
    for (const e of about) expect(e.time, e.event).toBe(new Date(Date.parse(e.time)).toISOString());

    // Never a secret or a recovery code in the log.
    expect(text).not.toContain(enrolled.secret);
    for (const code of enrolled.recoveryCodes) expect(text).not.toContain(code);
  });
});
