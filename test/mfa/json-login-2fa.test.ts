import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { codeAt, enrolTotp, userNamed } from '../support/mfa.js';
import { ALICE, api, BOB, checkAs, jsonLogin, sessionFrom, userPasswordFixture } from '../support/user-password.js';

describe('JSON login with a second factor', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('/api/auth/login answers second_factor_required, then /api/auth/2fa completes it with a code', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { secret } = await enrolTotp(fx, userNamed(fx, 'alice'));
    const { res, session: partial } = await jsonLogin(fx.app, 'alice', ALICE.password);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'second_factor_required', user: 'alice', role: 'admin' });
    expect(partial).toBeDefined();
    expect((await api(fx.app, 'GET', '/api/auth/status', partial)).statusCode).toBe(401);
    expect((await checkAs(fx.app, { session: partial! })).statusCode).toBe(401);

    const wrong = await api(fx.app, 'POST', '/api/auth/2fa', partial, { code: (await codeAt(secret, fx.clock.now)) === '000000' ? '000001' : '000000' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: 'invalid_code' });
    expect((await api(fx.app, 'POST', '/api/auth/2fa', partial, { code: 123456 })).statusCode).toBe(400);

    const done = await api(fx.app, 'POST', '/api/auth/2fa', partial, { code: await codeAt(secret, fx.clock.now) });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toEqual({ status: 'signed_in', user: 'alice', acr: 'aal2' });
    const full = sessionFrom(done)!;
    expect(full).not.toBe(partial);
    expect((await checkAs(fx.app, { session: partial! })).statusCode).toBe(401);
    const check = await checkAs(fx.app, { session: full });
    expect(check.statusCode).toBe(200);
    expect(check.headers['remote-user']).toBe('alice');
    expect((await api(fx.app, 'GET', '/api/auth/status', full)).json()).toMatchObject({ user: 'alice', acr: 'aal2', amr: ['pwd', 'otp'], mfa: { enrolled: true } });
  });

  it('a recovery code completes it too (amr rec); no session or a stranger\'s request gets 401', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { recoveryCodes } = await enrolTotp(fx, userNamed(fx, 'alice'));
    const { session: partial } = await jsonLogin(fx.app, 'alice', ALICE.password);
    const done = await api(fx.app, 'POST', '/api/auth/2fa', partial, { code: recoveryCodes[2] });
    expect(done.statusCode).toBe(200);
    expect((await api(fx.app, 'GET', '/api/auth/status', sessionFrom(done))).json()).toMatchObject({ acr: 'aal2', amr: ['pwd', 'rec'], mfa: { recoveryCodesLeft: 9 } });
    expect((await api(fx.app, 'POST', '/api/auth/2fa', undefined, { code: recoveryCodes[3] })).statusCode).toBe(401);
    expect(fx.accounts.mfa.status(userNamed(fx, 'alice').id).recoveryCodesLeft).toBe(9);
  });

  it('a user without 2FA is signed in by the password alone (aal1)', async () => {
    fx = await userPasswordFixture([BOB]);
    const { res, session } = await jsonLogin(fx.app, 'bob', BOB.password);
    expect(res.json()).toEqual({ status: 'signed_in', user: 'bob', role: 'editor' });
    expect((await api(fx.app, 'GET', '/api/auth/status', session)).json()).toMatchObject({ acr: 'aal1', amr: ['pwd'], mfa: { enrolled: false } });
  });
});
