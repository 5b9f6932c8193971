import { afterEach, describe, expect, it } from 'vitest';
import { CSRF_COOKIE } from '../../src/http/csrf.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, ENDPOINTS, fetchForm, INSTANCE_TOKEN, logout, postForm, sessionCookie, setCookies, TOKEN_MODE, tokenLogin } from '../support/portal.js';

describe('portal: token login', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('GET /login shows the token form with a csrf field bound to an HttpOnly, SameSite=Strict cookie', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const res = await fx.app.inject({ method: 'GET', url: '/login?rd=https%3A%2F%2Fapp.example.com%2Fx' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatch(/<form method="post" action="\/login">/);
    expect(res.body).toMatch(/name="csrf" value="[A-Za-z0-9_-]{20,}"/);
    expect(res.body).toMatch(/name="token"/);
    expect(res.body).toContain('value="https://app.example.com/x"');
    const csrfCookie = setCookies(res).find((c) => c.startsWith(`${CSRF_COOKIE}=`));
    expect(csrfCookie).toMatch(/HttpOnly/);
    expect(csrfCookie).toMatch(/SameSite=Strict/);
    expect(csrfCookie).toMatch(/Secure/);
  });

  it('POST with the right token and csrf: 303 to the rd and a secure session cookie that passes the check', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const { res, session } = await tokenLogin(fx.app, undefined, 'https://app.example.com/home?tab=1');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('https://app.example.com/home?tab=1');
    expect(res.headers['cache-control']).toBe('no-store');
    const line = setCookies(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(line).toBeDefined();
    const attributes = line.split(';').map((a) => a.trim());
    expect(attributes).toContain('HttpOnly');
    expect(attributes).toContain('SameSite=Lax');
    expect(attributes).toContain('Secure');
    expect(attributes).toContain('Path=/');
    expect(attributes).toContain('Max-Age=86400');
    expect(session).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);

    for (const endpoint of ENDPOINTS) {
      const ok = await check(fx.app, endpoint, 'https://app.example.com/home', { cookie: sessionCookie(session!) });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['remote-user']).toBe('token');
    }
  });

  it('sends an unsafe rd to the portal home instead', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const { res } = await tokenLogin(fx.app, undefined, 'https://evil.com/steal');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('https://auth.example.com/');
  });

  it('sets the configured cookie Domain for SSO across subdomains', async () => {
    fx = await createAppFixture({ ...TOKEN_MODE, session: { cookieDomain: 'example.com' } });
    const { res } = await tokenLogin(fx.app);
    expect(setCookies(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`))).toMatch(/; Domain=example\.com/);
  });

  it('a wrong token gets the 401 page and no session', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    for (const token of ['wrong', '', ' ']) {
      const { res, session } = await tokenLogin(fx.app, token);
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('That token is not valid.');
      expect(session).toBeUndefined();
    }
    expect(fx.sessions.list()).toHaveLength(0);
  });

  it('a second login replaces the first session instead of adding to it', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const first = await tokenLogin(fx.app);
    const { csrf } = await fetchForm(fx.app, '/login', first.csrfCookie);
    const second = await postForm(fx.app, '/login', { csrf, token: INSTANCE_TOKEN, rd: 'https://app.example.com/' }, `${first.csrfCookie}; ${sessionCookie(first.session!)}`);
    expect(second.statusCode).toBe(303);
    const again = await check(fx.app, 'forward-auth', 'https://app.example.com/', { cookie: sessionCookie(first.session!) });
    expect(again.statusCode).toBe(401);
    expect(fx.sessions.list()).toHaveLength(1);
  });

  it('POST /logout revokes the session and clears the cookie', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const { session } = await tokenLogin(fx.app);
    expect((await check(fx.app, 'forward-auth', 'https://app.example.com/', { cookie: sessionCookie(session!) })).statusCode).toBe(200);
    const out = await logout(fx.app, session!);
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(setCookies(out).some((c) => c.startsWith(`${SESSION_COOKIE}=;`) && c.includes('Max-Age=0'))).toBe(true);
    const after = await check(fx.app, 'forward-auth', 'https://app.example.com/', { cookie: sessionCookie(session!) });
    expect(after.statusCode).toBe(401);
    expect(fx.sessions.list()).toHaveLength(0);
  });
});
