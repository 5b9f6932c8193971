import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { ALICE, api, BOB, checkAs, cookieOf, jsonLogin, logoutForm, PORTAL, sessionFor, sessionId, userPasswordFixture } from '../support/user-password.js';

describe('JSON auth API (userPassword mode)', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  describe('POST /api/auth/login', () => {
    it('signs in: 200, the user and role, an HttpOnly SameSite=Lax session cookie, no-store', async () => {
      fx = await userPasswordFixture([ALICE]);
      const { res, session } = await jsonLogin(fx.app, ALICE.username, ALICE.password);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ user: 'alice', role: 'admin' });
      expect(res.headers['cache-control']).toBe('no-store');
      const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('gatehouse_session='))!;
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Lax/);
      expect(setCookie).toMatch(/Secure/);
      expect(session).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
      expect((await checkAs(fx.app, { session })).headers['remote-user']).toBe('alice');
    });

    it('answers 401 identically for an unknown user and a wrong password, with no cookie', async () => {
      fx = await userPasswordFixture([ALICE]);
      const unknown = await jsonLogin(fx.app, 'nobody', ALICE.password);
      const wrong = await jsonLogin(fx.app, ALICE.username, 'not the right password');
      expect(unknown.res.statusCode).toBe(401);
      expect(wrong.res.statusCode).toBe(401);
      expect(unknown.res.body).toBe(wrong.res.body);
      expect(unknown.res.json()).toEqual({ error: 'invalid_credentials', message: 'incorrect username or password' });
      expect(unknown.res.headers['set-cookie']).toBeUndefined();
      expect(wrong.res.headers['set-cookie']).toBeUndefined();
    });

    it('refuses a form content type with 415 and a foreign Origin with 403, before checking anything', async () => {
      fx = await userPasswordFixture([ALICE]);
      const form = await jsonLogin(fx.app, ALICE.username, ALICE.password, { contentType: 'application/x-www-form-urlencoded' });
      expect(form.res.statusCode).toBe(415);
      expect(form.session).toBeUndefined();
      const foreign = await jsonLogin(fx.app, ALICE.username, ALICE.password, { origin: 'https://evil.example.net' });
      expect(foreign.res.statusCode).toBe(403);
      expect(foreign.session).toBeUndefined();
      expect(fx.sessions.list()).toHaveLength(0);
    });

    it('answers 400 when fields are missing or not strings', async () => {
      fx = await userPasswordFixture([ALICE]);
      for (const payload of [{}, { username: 'alice' }, { username: 'alice', password: 123 }, { username: ['alice'], password: 'x' }]) {
        const res = await fx.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '127.0.0.1', headers: { 'content-type': 'application/json', origin: PORTAL }, payload: JSON.stringify(payload) });
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      }
    });
  });

  describe('logout', () => {
    it('POST /logout ends the session, clears the cookie, and the next check redirects to the portal', async () => {
      fx = await userPasswordFixture([ALICE]);
      const session = await sessionFor(fx, 'alice');
      const res = await logoutForm(fx.app, session);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/login');
      expect(([] as string[]).concat(res.headers['set-cookie'] ?? []).some((c) => /^gatehouse_session=;.*Max-Age=0/.test(c))).toBe(true);
      const next = await checkAs(fx.app, { session, accept: 'text/html' });
      expect(next.statusCode).toBe(302);
      expect(next.headers.location).toMatch(/^https:\/\/auth\.example\.com\/login\?rd=/);
    });

    it('GET /logout only shows a button and ends nothing', async () => {
      fx = await userPasswordFixture([ALICE]);
      const session = await sessionFor(fx, 'alice');
      const page = await fx.app.inject({ method: 'GET', url: '/logout', headers: { cookie: cookieOf(session) } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toMatch(/<form[^>]+method="post"/i);
      expect((await checkAs(fx.app, { session })).statusCode).toBe(200);
    });

    it('POST /api/auth/logout ends the session for scripts', async () => {
      fx = await userPasswordFixture([ALICE]);
      const session = await sessionFor(fx, 'alice');
      const res = await api(fx.app, 'POST', '/api/auth/logout', session, {});
      expect(res.statusCode).toBe(200);
      expect((await checkAs(fx.app, { session })).statusCode).toBe(401);
    });
  });

  describe('own sessions', () => {
    it('GET /api/auth/sessions lists only the caller’s sessions, marks the current one, and leaks no secret', async () => {
      fx = await userPasswordFixture([ALICE, BOB]);
      const a1 = await sessionFor(fx, 'alice', { userAgent: 'laptop', ip: '198.51.100.1' });
      const a2 = await sessionFor(fx, 'alice', { userAgent: 'phone', ip: '198.51.100.2' });
      await sessionFor(fx, 'bob');
      const res = await api(fx.app, 'GET', '/api/auth/sessions', a1);
      expect(res.statusCode).toBe(200);
      const { sessions } = res.json() as { sessions: Array<Record<string, unknown>> };
      expect(sessions.map((s) => s.id).sort()).toEqual([sessionId(a1), sessionId(a2)].sort());
      expect(sessions.every((s) => s.user === 'alice')).toBe(true);
      const current = sessions.find((s) => s.current === true)!;
      expect(current.id).toBe(sessionId(a1));
      expect(current).toMatchObject({ ip: '198.51.100.1', userAgent: 'laptop', amr: ['pwd'], acr: 'aal1' });
      expect(typeof current.createdAt).toBe('string');
      expect(typeof current.lastSeenAt).toBe('string');
      const text = res.body;
      expect(text).not.toContain(a1.split('.')[1]);
      expect(text).not.toContain('secretHash');
    });

    it('needs a session: 401 without one', async () => {
      fx = await userPasswordFixture([ALICE]);
      expect((await api(fx.app, 'GET', '/api/auth/sessions')).statusCode).toBe(401);
    });

    it('DELETE /api/auth/sessions/:id revokes one of the caller’s own sessions', async () => {
      fx = await userPasswordFixture([ALICE]);
      const a1 = await sessionFor(fx, 'alice');
      const a2 = await sessionFor(fx, 'alice');
      const res = await api(fx.app, 'DELETE', `/api/auth/sessions/${sessionId(a2)}`, a1);
      expect(res.statusCode).toBe(200);
      expect((await checkAs(fx.app, { session: a2 })).statusCode).toBe(401);
      expect((await checkAs(fx.app, { session: a1 })).statusCode).toBe(200);
    });

    it('DELETE on another user’s session id answers 404, like a missing one, and revokes nothing', async () => {
      fx = await userPasswordFixture([ALICE, BOB]);
      const alice = await sessionFor(fx, 'alice');
      const bob = await sessionFor(fx, 'bob');
      const other = await api(fx.app, 'DELETE', `/api/auth/sessions/${sessionId(alice)}`, bob);
      const missing = await api(fx.app, 'DELETE', `/api/auth/sessions/${'x'.repeat(22)}`, bob);
      expect(other.statusCode).toBe(404);
      expect(other.body).toBe(missing.body);
      expect((await checkAs(fx.app, { session: alice })).statusCode).toBe(200);
    });

    it('DELETE from a foreign Origin is refused', async () => {
      fx = await userPasswordFixture([ALICE]);
      const a1 = await sessionFor(fx, 'alice');
      const a2 = await sessionFor(fx, 'alice');
      const res = await fx.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${sessionId(a2)}`, remoteAddress: '127.0.0.1', headers: { origin: 'https://evil.example.net', cookie: cookieOf(a1) } });
      expect(res.statusCode).toBe(403);
      expect((await checkAs(fx.app, { session: a2 })).statusCode).toBe(200);
    });
  });
});
