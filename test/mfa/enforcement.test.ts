import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { apiWrite, codeAt, enrolThroughPages, passwordStep, postForm } from '../support/mfa.js';
import { ALICE, api, BOB, checkAs, cookieOf, jsonLogin, signIn, userPasswordFixture } from '../support/user-password.js';

const PROFILE_2FA = 'https://auth.example.com/profile/2fa';

describe('2FA enforcement', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('a user required to use 2FA but not enrolled is sent into enrolment at login, then lands with a full aal2 session', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const f = fx;
    // An admin requires it through the admin API.
    const admin = await signIn(f.app, ALICE);
    const set = await apiWrite(f.app, 'PUT', '/api/admin/users/bob/require-2fa', admin, { required: true });
    expect(set.statusCode).toBe(200);
    expect((await api(f.app, 'GET', '/api/admin/users/bob/mfa', admin)).json()).toMatchObject({ requires2fa: true, totpEnrolled: false });

    const rd = 'https://app.example.com/after';
    const { res, session: partial } = await passwordStep(f.app, BOB, rd);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/profile/2fa?rd=${encodeURIComponent(rd)}`);
    // The enrolment session is not a session anywhere else.
    expect((await checkAs(f.app, { session: partial })).statusCode).toBe(401);
    expect((await api(f.app, 'GET', '/api/auth/status', partial)).statusCode).toBe(401);
    // A JSON login says so too.
    expect((await jsonLogin(f.app, 'bob', BOB.password)).res.json()).toMatchObject({ status: 'enrolment_required' });

    const enrolled = await enrolThroughPages(f.app, partial, (secret) => codeAt(secret, f.clock.now), rd);
    expect(enrolled.recoveryCodes).toHaveLength(10);
    expect(enrolled.res.body).toContain(`href="${rd}"`);
    expect(enrolled.session).not.toBe(partial);
    expect((await checkAs(f.app, { session: partial })).statusCode).toBe(401);
    const check = await checkAs(f.app, { session: enrolled.session });
    expect(check.statusCode).toBe(200);
    expect(check.headers['remote-user']).toBe('bob');
    expect((await api(f.app, 'GET', '/api/auth/status', enrolled.session)).json()).toMatchObject({
      user: 'bob',
      acr: 'aal2',
      amr: ['pwd', 'otp'],
      mfa: { enrolled: true, methods: ['otp'], required: true, recoveryCodesLeft: 10 },
    });
    // Required 2FA cannot be turned off by the user.
    const { secret } = enrolled;
    f.clock.now += 60_000;
    const off = await postForm(f.app, '/profile/2fa', '/profile/2fa/disable', enrolled.session, { code: await codeAt(secret, f.clock.now) });
    expect(off.statusCode).toBe(400);
    expect(f.accounts.mfa.status(f.accounts.users.find('bob')!.id).totpEnrolled).toBe(true);
  });

  it('requireTfaForAdmin: an admin without 2FA signs in and views, but sensitive actions answer 403 enrol_2fa_first pointing to /profile/2fa', async () => {
    fx = await userPasswordFixture([ALICE, BOB], { security: { requireTfaForAdmin: true } });
    const f = fx;
    const { res, session } = await jsonLogin(f.app, 'alice', ALICE.password);
    expect(res.json()).toMatchObject({ status: 'signed_in' });
    expect((await checkAs(f.app, { session: session! })).statusCode).toBe(200);
    expect((await api(f.app, 'GET', '/api/admin/sessions', session!)).statusCode).toBe(200);
    expect((await api(f.app, 'GET', '/api/admin/users/bob/mfa', session!)).statusCode).toBe(200);
    expect((await api(f.app, 'GET', '/api/auth/status', session!)).json()).toMatchObject({ stepUp: { allowed: false, reason: 'enrol_2fa_first' } });

    const refused = [
      await api(f.app, 'POST', '/api/admin/users/bob/reset-2fa', session!, {}),
      await api(f.app, 'POST', '/api/auth/tokens', session!, { name: 'ci' }),
      await apiWrite(f.app, 'PUT', '/api/admin/users/bob/require-2fa', session!, { required: true }),
    ];
    for (const r of refused) {
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ error: 'enrol_2fa_first' });
      expect(r.json().message).toMatch(/two-factor/);
      expect(r.headers.location).toBe(PROFILE_2FA);
    }
    expect(f.accounts.tokens.list()).toEqual([]);

    // A non-admin is not concerned.
    const bob = await signIn(f.app, BOB);
    expect((await api(f.app, 'POST', '/api/auth/tokens', bob, { name: 'ci' })).statusCode).toBe(201);

    // Once enrolled (which is itself a fresh second factor), the same actions go through.
    const enrolled = await enrolThroughPages(f.app, session!, (secret) => codeAt(secret, f.clock.now));
    expect((await api(f.app, 'POST', '/api/auth/tokens', enrolled.session, { name: 'ci' })).statusCode).toBe(201);
    expect((await api(f.app, 'POST', '/api/admin/users/bob/reset-2fa', enrolled.session, {})).statusCode).toBe(200);
  });

  it('a two_factor rule sends an aal1 session to /login/2fa?rd=… (302 for a browser, 401 for an API client); aal2 passes', async () => {
    fx = await userPasswordFixture([BOB], { rules: [{ domain: 'secure.example.com', policy: 'two_factor' }] });
    const f = fx;
    const aal1 = await signIn(f.app, BOB);
    const url = 'https://secure.example.com/vault?x=1';
    expect((await checkAs(f.app, { session: aal1 })).statusCode).toBe(200); // elsewhere one factor is enough

    const browser = await checkAs(f.app, { session: aal1, url, accept: 'text/html' });
    expect(browser.statusCode).toBe(302);
    expect(browser.headers.location).toBe(`https://auth.example.com/login/2fa?rd=${encodeURIComponent(url)}&rm=GET`);
    const script = await checkAs(f.app, { session: aal1, url });
    expect(script.statusCode).toBe(401);
    expect(script.json()).toMatchObject({ error: 'second_factor_required' });
    expect(script.headers.location).toBe(browser.headers.location);

    // Following the redirect: not enrolled, so /login/2fa sends bob to enrolment, keeping the destination.
    const follow = await f.app.inject({ method: 'GET', url: `/login/2fa?rd=${encodeURIComponent(url)}`, remoteAddress: '127.0.0.1', headers: { cookie: cookieOf(aal1) } });
    expect(follow.statusCode).toBe(303);
    expect(follow.headers.location).toBe(`/profile/2fa?rd=${encodeURIComponent(url)}`);
    const enrolled = await enrolThroughPages(f.app, aal1, (secret) => codeAt(secret, f.clock.now), url);
    const ok = await checkAs(f.app, { session: enrolled.session, url, accept: 'text/html' });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['remote-user']).toBe('bob');
  });
});
