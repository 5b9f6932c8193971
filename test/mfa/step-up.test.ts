import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { apiWrite, codeAt, codeStep, enrolTotp, loginWithTotp, userNamed } from '../support/mfa.js';
import { ALICE, api, BOB, checkAs, readAuditFile, sessionFrom, userPasswordFixture } from '../support/user-password.js';

const MINUTE = 60_000;

describe('step-up: sensitive actions need a second factor within the window', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('past the 10-minute window an enrolled admin gets 403 step_up_required; after POST /api/auth/2fa it works', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const { secret } = await enrolTotp(fx, userNamed(fx, 'alice'));
    await enrolTotp(fx, userNamed(fx, 'bob'));
    const loginAt = fx.clock.now;
    const session = await loginWithTotp(fx, ALICE, secret);

    const fresh = (await api(fx.app, 'GET', '/api/auth/status', session)).json();
    expect(fresh).toMatchObject({ user: 'alice', role: 'admin', acr: 'aal2', mfa: { enrolled: true, methods: ['otp'] }, lastMfaAt: new Date(loginAt).toISOString(), stepUp: { allowed: true, remainingSeconds: 600 } });
    fx.clock.now += 4 * MINUTE;
    expect((await api(fx.app, 'GET', '/api/auth/status', session)).json()).toMatchObject({ stepUp: { allowed: true, remainingSeconds: 360 } });
    // Within the window a sensitive action goes through.
    expect((await api(fx.app, 'POST', '/api/auth/tokens', session, { name: 'early' })).statusCode).toBe(201);

    fx.clock.now = loginAt + 10 * MINUTE + 1_000;
    expect((await api(fx.app, 'GET', '/api/auth/status', session)).json()).toMatchObject({ stepUp: { allowed: false, reason: 'step_up_required' } });
    // The session itself is still good for ordinary use.
    expect((await checkAs(fx.app, { session })).statusCode).toBe(200);
    const refused = [
      await api(fx.app, 'POST', '/api/admin/users/bob/reset-2fa', session, {}),
      await api(fx.app, 'POST', '/api/auth/tokens', session, { name: 'late' }),
      await apiWrite(fx.app, 'PUT', '/api/admin/users/bob/require-2fa', session, { required: true }),
      await apiWrite(fx.app, 'PATCH', '/api/admin/users/bob', session, { role: 'viewer' }),
    ];
    for (const res of refused) {
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json()).toMatchObject({ error: 'step_up_required' });
      expect(res.headers.location).toBe('https://auth.example.com/login/2fa');
    }
    expect(fx.accounts.mfa.status(userNamed(fx, 'bob').id).totpEnrolled).toBe(true);
    expect(userNamed(fx, 'bob')).toMatchObject({ role: 'editor', requires2fa: false });
    expect(fx.accounts.tokens.list().map((t) => t.name)).toEqual(['early']);

    // A fresh code on the full session: a new session with a new MFA time.
    const stepUp = await api(fx.app, 'POST', '/api/auth/2fa', session, { code: await codeAt(secret, fx.clock.now) });
    expect(stepUp.statusCode).toBe(200);
    const renewed = sessionFrom(stepUp)!;
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(session);
    expect((await checkAs(fx.app, { session })).statusCode).toBe(401); // replaced, not kept beside it
    expect((await api(fx.app, 'GET', '/api/auth/status', renewed)).json()).toMatchObject({ lastMfaAt: new Date(fx.clock.now).toISOString(), stepUp: { allowed: true, remainingSeconds: 600 } });
    expect((await api(fx.app, 'POST', '/api/auth/tokens', renewed, { name: 'late' })).statusCode).toBe(201);
    expect((await api(fx.app, 'POST', '/api/admin/users/bob/reset-2fa', renewed, {})).statusCode).toBe(200);
    expect(fx.accounts.mfa.status(userNamed(fx, 'bob').id).totpEnrolled).toBe(false);
  });

  it('step-up through the /login/2fa form works the same, and the window is configurable', async () => {
    fx = await userPasswordFixture([ALICE, BOB], { security: { stepUpWindow: '2m' } });
    const { secret } = await enrolTotp(fx, userNamed(fx, 'alice'));
    const session = await loginWithTotp(fx, ALICE, secret);
    expect((await api(fx.app, 'GET', '/api/auth/status', session)).json()).toMatchObject({ stepUp: { allowed: true, remainingSeconds: 120 } });
    fx.clock.now += 2 * MINUTE;
    const refused = await api(fx.app, 'POST', '/api/auth/tokens', session, { name: 'ci' });
    expect(refused.json()).toMatchObject({ error: 'step_up_required' });

    const form = await codeStep(fx.app, session, await codeAt(secret, fx.clock.now), 'https://auth.example.com/profile');
    expect(form.res.statusCode).toBe(303);
    expect(form.res.headers.location).toBe('https://auth.example.com/profile');
    expect((await api(fx.app, 'POST', '/api/auth/tokens', form.session!, { name: 'ci' })).statusCode).toBe(201);
  });

  it('a wrong step-up code changes nothing and is audited as a failure', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { secret } = await enrolTotp(fx, userNamed(fx, 'alice'));
    const session = await loginWithTotp(fx, ALICE, secret);
    fx.clock.now += 11 * MINUTE;
    const good = await codeAt(secret, fx.clock.now);
    const wrong = good === '000000' ? '000001' : '000000';
    const res = await api(fx.app, 'POST', '/api/auth/2fa', session, { code: wrong });
    expect(res.statusCode).toBe(401);
    expect(sessionFrom(res)).toBeUndefined();
    expect((await api(fx.app, 'GET', '/api/auth/status', session)).json()).toMatchObject({ stepUp: { allowed: false } });
    const { events } = await readAuditFile(fx.dataDir);
    expect(events.filter((e) => e.event === 'mfa.failure' && e.actor === 'alice')).toHaveLength(1);
  });

  it('an API token never passes step-up, even an admin\'s', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const { token } = await fx.accounts.tokens.create(userNamed(fx, 'alice'), { name: 'ci' }, { name: 'test' });
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/admin/users/bob/reset-2fa',
      remoteAddress: '127.0.0.1',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'interactive_session_required' });
    const mint = await fx.app.inject({ method: 'POST', url: '/api/auth/tokens', remoteAddress: '127.0.0.1', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: '{"name":"child"}' });
    expect(mint.statusCode).toBe(403);
    expect(fx.accounts.tokens.list()).toHaveLength(1);
  });
});
