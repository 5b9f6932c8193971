import { afterEach, describe, expect, it } from 'vitest';
import { createAppFixture, forwardAuthHeaders, type AppFixture } from '../support/app-fixture.js';
import { PORTAL, postLogin } from '../support/login.js';
import { totpCode } from '../../src/mfa/totp.js';

const ALICE = { username: 'alice', password: 'correct horse battery staple' };

function cookieOf(setCookie: string | string[] | undefined, name: string): string | undefined {
  return ([] as string[]).concat(setCookie ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${name}=`) && c.length > name.length + 1);
}

async function enrolledFixture(): Promise<{ fx: AppFixture; secret: string }> {
  const fx = await createAppFixture({ mode: 'userPassword', security: { bcryptCost: 12 } });
  const user = await fx.accounts.users.create({ ...ALICE, role: 'admin' }, { name: 'test' });
  const { secret } = await fx.accounts.mfa.beginTotp(user);
  await fx.accounts.mfa.confirmTotp(user, await totpCode(secret, fx.clock.now), { actor: 'test' });
  fx.clock.now += 60_000;
  return { fx, secret };
}

describe('password + TOTP login', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('gives a partial session that fails the check, then a full aal2 session after the code', async () => {
    const setup = await enrolledFixture();
    fx = setup.fx;
    const { res, session: partial } = await postLogin(fx.app, { ...ALICE, rd: 'https://app.example.com/' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/login/2fa?rd=${encodeURIComponent('https://app.example.com/')}`);
    const check = await fx.app.inject({ method: 'GET', url: '/api/authz/forward-auth', remoteAddress: '127.0.0.1', headers: { ...forwardAuthHeaders('https://app.example.com/'), cookie: partial!, accept: 'application/json' } });
    expect(check.statusCode).toBe(401);

    const page = await fx.app.inject({ method: 'GET', url: '/login/2fa', remoteAddress: '127.0.0.1', headers: { cookie: partial! } });
    const csrfCookie = cookieOf(page.headers['set-cookie'], 'gatehouse_csrf')!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const code = await totpCode(setup.secret, fx.clock.now);
    const done = await fx.app.inject({
      method: 'POST',
      url: '/login/2fa',
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL, cookie: `${partial}; ${csrfCookie}` },
      payload: new URLSearchParams({ csrf, code, rd: 'https://app.example.com/' }).toString(),
    });
    expect(done.statusCode).toBe(303);
    const full = cookieOf(done.headers['set-cookie'], 'gatehouse_session')!;
    expect(full).not.toBe(partial);
    const ok = await fx.app.inject({ method: 'GET', url: '/api/authz/forward-auth', remoteAddress: '127.0.0.1', headers: { ...forwardAuthHeaders('https://app.example.com/'), cookie: full } });
    expect(ok.statusCode).toBe(200);
    const status = await fx.app.inject({ method: 'GET', url: '/api/auth/status', remoteAddress: '127.0.0.1', headers: { cookie: full } });
    expect(status.json()).toMatchObject({ user: 'alice', acr: 'aal2', amr: ['pwd', 'otp'], mfa: { enrolled: true, methods: ['otp'], recoveryCodesLeft: 10 }, stepUp: { allowed: true } });
  });
});
