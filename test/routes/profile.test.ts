import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { ALICE, BOB, checkAs, cookieOf, jsonLogin, PORTAL, readAuditFile, sessionFor, sessionFrom, sessionId, userPasswordFixture } from '../support/user-password.js';

describe('/profile (userPassword mode)', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  /** GETs /profile as `session`; returns the page and a cookie header + token to post its forms with. */
  async function profile(session: string): Promise<{ page: LightMyRequestResponse; cookie: string; csrf: string }> {
    const page = await fx.app.inject({ method: 'GET', url: '/profile', remoteAddress: '127.0.0.1', headers: { cookie: cookieOf(session) } });
    const nonce = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('gatehouse_csrf='));
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    return { page, cookie: `${cookieOf(session)}${nonce ? `; ${nonce}` : ''}`, csrf };
  }

  function post(path: string, cookie: string, fields: Record<string, string>, origin = PORTAL): Promise<LightMyRequestResponse> {
    return fx.app.inject({
      method: 'POST',
      url: path,
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie, 'x-forwarded-for': '198.51.100.50' },
      payload: new URLSearchParams(fields).toString(),
    });
  }

  it('without a session, /profile sends the browser to the login page', async () => {
    fx = await userPasswordFixture([ALICE]);
    const res = await fx.app.inject({ method: 'GET', url: '/profile' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/login\?rd=/);
  });

  it('lists the user’s own sessions (IP, browser), marks this one, and shows no one else’s', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const here = await sessionFor(fx, 'alice', { ip: '198.51.100.1', userAgent: 'Firefox on the laptop' });
    const phone = await sessionFor(fx, 'alice', { ip: '198.51.100.2', userAgent: 'Safari on the phone' });
    await sessionFor(fx, 'bob', { ip: '198.51.100.3', userAgent: 'Bob’s browser' });
    const { page } = await profile(here);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Signed in as <strong>alice</strong> (admin)');
    expect(page.body).toContain('198.51.100.1');
    expect(page.body).toContain('Safari on the phone');
    expect(page.body).toContain('This browser');
    expect(page.body).toContain(`value="${sessionId(phone)}"`);
    expect(page.body).not.toContain('198.51.100.3');
    expect(page.body).not.toContain('Bob');
    expect(page.body).not.toContain(here.split('.')[1]);
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('ends another of the user’s sessions from the page', async () => {
    fx = await userPasswordFixture([ALICE]);
    const here = await sessionFor(fx, 'alice');
    const phone = await sessionFor(fx, 'alice');
    const { cookie, csrf } = await profile(here);
    const res = await post('/profile/sessions/revoke', cookie, { csrf, id: sessionId(phone) });
    expect(res.statusCode).toBe(303);
    expect((await checkAs(fx.app, { session: phone })).statusCode).toBe(401);
    expect((await checkAs(fx.app, { session: here })).statusCode).toBe(200);
  });

  it('cannot end someone else’s session, nor without the form token', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const alice = await sessionFor(fx, 'alice');
    const bob = await sessionFor(fx, 'bob');
    const { cookie, csrf } = await profile(alice);
    await post('/profile/sessions/revoke', cookie, { csrf, id: sessionId(bob) });
    expect((await checkAs(fx.app, { session: bob })).statusCode).toBe(200);
    const alice2 = await sessionFor(fx, 'alice');
    const noToken = await post('/profile/sessions/revoke', cookie, { id: sessionId(alice2) });
    expect(noToken.statusCode).toBe(403);
    const foreign = await post('/profile/sessions/revoke', cookie, { csrf, id: sessionId(alice2) }, 'https://evil.example.net');
    expect(foreign.statusCode).toBe(403);
    expect((await checkAs(fx.app, { session: alice2 })).statusCode).toBe(200);
  });

  it('a password change keeps this browser signed in under a NEW session id and ends the others', async () => {
    fx = await userPasswordFixture([ALICE]);
    const here = await sessionFor(fx, 'alice');
    const other = await sessionFor(fx, 'alice');
    const { cookie, csrf } = await profile(here);
    const res = await post('/profile/password', cookie, { csrf, current: ALICE.password, password: 'a brand new passphrase for alice' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/profile');
    const fresh = sessionFrom(res);
    expect(fresh).toBeDefined();
    expect(sessionId(fresh!)).not.toBe(sessionId(here));
    expect((await checkAs(fx.app, { session: fresh! })).headers['remote-user']).toBe('alice');
    expect((await checkAs(fx.app, { session: here })).statusCode).toBe(401);
    expect((await checkAs(fx.app, { session: other })).statusCode).toBe(401);
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password)).res.statusCode).toBe(401);
    expect((await jsonLogin(fx.app, ALICE.username, 'a brand new passphrase for alice')).res.statusCode).toBe(200);
    const { events, text } = await readAuditFile(fx.dataDir);
    expect(events).toContainEqual(expect.objectContaining({ event: 'user.password', actor: 'alice', target: 'alice', ip: '198.51.100.50' }));
    expect(text).not.toContain('a brand new passphrase for alice');
  });

  it('refuses a wrong current password or a weak new one, and changes nothing', async () => {
    fx = await userPasswordFixture([ALICE]);
    const here = await sessionFor(fx, 'alice');
    const { cookie, csrf } = await profile(here);
    const wrong = await post('/profile/password', cookie, { csrf, current: 'not my password at all', password: 'a brand new passphrase for alice' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('current password is not correct');
    const weak = await post('/profile/password', cookie, { csrf, current: ALICE.password, password: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.body).toContain('at least 12');
    const common = await post('/profile/password', cookie, { csrf, current: ALICE.password, password: 'password123456' });
    expect(common.statusCode).toBe(400);
    expect((await checkAs(fx.app, { session: here })).statusCode).toBe(200);
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password)).res.statusCode).toBe(200);
  });
});
