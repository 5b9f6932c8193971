import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../strategies/types.js';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, ENDPOINTS, INSTANCE_TOKEN, sessionCookie, TOKEN_MODE } from '../support/portal.js';

const URL_PRIVATE = 'https://app.example.com/private/page?x=1&y=%2F';
const LOGIN_LOCATION = (url: string, method: string) => `https://auth.example.com/login?rd=${encodeURIComponent(url)}&rm=${method}`;

const ALICE: Principal = {
  id: 'alice',
  username: 'alice',
  role: 'editor',
  groups: ['staff', 'ops'],
  email: 'alice@example.com',
  name: 'Alice Example',
  amr: ['tok'],
  acr: 'aal2',
};

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** What DESIGN.md requires of every answer. */
function expectEveryAnswer(res: LightMyRequestResponse): void {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.rawPayload.length).toBeLessThan(8 * 1024);
}

describe('check endpoints: the outcome table (token mode)', () => {
  let fx: AppFixture;
  let aliceCookie: string;

  beforeAll(async () => {
    fx = await createAppFixture({
      ...TOKEN_MODE,
      rules: [
        { domain: '*.example.com', path: '/forbidden', policy: 'deny' },
        { domain: '*.example.com', path: '/public', policy: 'bypass' },
      ],
    });
    const { cookieValue } = await fx.sessions.create({ mode: 'token', principal: ALICE, amr: ALICE.amr, acr: ALICE.acr, mfaAt: null, ip: '203.0.113.7', userAgent: 'test' });
    aliceCookie = sessionCookie(cookieValue);
  });
  afterAll(() => fx.close());

  describe.each(ENDPOINTS)('%s', (endpoint) => {
    describe('allowed', () => {
      it('answers 200 with every Remote-* header and an empty body for a session', async () => {
        const res = await check(fx.app, endpoint, URL_PRIVATE, { cookie: aliceCookie });
        expect(res.statusCode).toBe(200);
        expect(res.headers['remote-user']).toBe('alice');
        expect(res.headers['remote-groups']).toBe('staff,ops');
        expect(res.headers['remote-email']).toBe('alice@example.com');
        expect(res.headers['remote-name']).toBe('Alice Example');
        expect(res.body).toBe('');
        expect(res.headers['set-cookie']).toBeUndefined();
        expectEveryAnswer(res);
      });

      it('answers 200 as the token admin for the right bearer token and for Basic with the token as password', async () => {
        for (const authorization of [`Bearer ${INSTANCE_TOKEN}`, basic('token', INSTANCE_TOKEN)]) {
          const res = await check(fx.app, endpoint, URL_PRIVATE, { headers: { authorization } });
          expect(res.statusCode).toBe(200);
          expect(res.headers['remote-user']).toBe('token');
          expect(res.headers['remote-groups']).toBe('admin');
          expect(res.headers['remote-name']).toBe('Instance token');
          expect(res.body).toBe('');
          expectEveryAnswer(res);
        }
      });

      it('answers 200 without identity headers on a bypass path for anonymous requests', async () => {
        const res = await check(fx.app, endpoint, 'https://app.example.com/public/a', { headers: { accept: 'text/html' } });
        expect(res.statusCode).toBe(200);
        expect(res.headers['remote-user']).toBeUndefined();
        expectEveryAnswer(res);
      });

      it('answers a HEAD request to the endpoint like a GET', async () => {
        const headers = { ...(endpoint === 'forward-auth' ? { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com', 'x-forwarded-uri': '/private' } : { 'x-original-url': 'https://app.example.com/private', 'x-original-method': 'GET' }), 'x-forwarded-for': '203.0.113.7', cookie: aliceCookie };
        const res = await fx.app.inject({ method: 'HEAD', url: `/api/authz/${endpoint}`, headers, remoteAddress: '127.0.0.1' });
        expect(res.statusCode).toBe(200);
        expect(res.headers['remote-user']).toBe('alice');
      });
    });

    describe('no session', () => {
      it('a browser gets sent to the portal with rd and rm', async () => {
        for (const method of ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE']) {
          const res = await check(fx.app, endpoint, URL_PRIVATE, { method, headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
          const expected = endpoint === 'auth-request' ? 401 : ['GET', 'HEAD', 'OPTIONS'].includes(method) ? 302 : 303;
          expect(res.statusCode, `${endpoint} ${method}`).toBe(expected);
          expect(res.headers.location).toBe(LOGIN_LOCATION(URL_PRIVATE, method));
          expect(res.headers['remote-user']).toBeUndefined();
          expectEveryAnswer(res);
        }
      });

      it('keeps a non-default port in the rd target', async () => {
        const url = 'https://app.example.com:8443/private';
        const res = await check(fx.app, endpoint, url, { headers: { accept: 'text/html' } });
        expect(res.headers.location).toBe(LOGIN_LOCATION(url, 'GET'));
      });

      it('an API client or XHR gets 401 with the Location', async () => {
        const variants: Array<Record<string, string>> = [{}, { accept: 'application/json' }, { accept: '*/*' }, { accept: 'text/html', 'x-requested-with': 'XMLHttpRequest' }];
        for (const headers of variants) {
          const res = await check(fx.app, endpoint, URL_PRIVATE, { headers });
          expect(res.statusCode, JSON.stringify(headers)).toBe(401);
          expect(res.headers.location).toBe(LOGIN_LOCATION(URL_PRIVATE, 'GET'));
          expect(res.json()).toEqual({ error: 'authentication_required' });
          expectEveryAnswer(res);
        }
      });
    });

    describe('wrong credentials', () => {
      it('wrong Basic: 401 with a Basic challenge and no fallback to a valid session cookie', async () => {
        for (const cookie of [undefined, aliceCookie]) {
          const res = await check(fx.app, endpoint, URL_PRIVATE, { headers: { authorization: basic('token', 'wrong'), accept: 'text/html' }, ...(cookie ? { cookie } : {}) });
          expect(res.statusCode).toBe(401);
          expect(res.headers['www-authenticate']).toMatch(/^Basic realm="Gatehouse"/);
          expect(res.headers['remote-user']).toBeUndefined();
          expectEveryAnswer(res);
        }
      });

      it('wrong Basic is refused even on a bypass path', async () => {
        const res = await check(fx.app, endpoint, 'https://app.example.com/public', { headers: { authorization: basic('token', 'wrong') } });
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Basic /);
      });

      it('malformed Basic is a wrong Basic', async () => {
        for (const authorization of ['Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
          const res = await check(fx.app, endpoint, URL_PRIVATE, { headers: { authorization }, cookie: aliceCookie });
          expect(res.statusCode, authorization).toBe(401);
          expect(res.headers['www-authenticate']).toMatch(/^Basic /);
        }
      });

      it('wrong Bearer: 401 with a Bearer challenge, no cookie fallback', async () => {
        for (const authorization of [`Bearer ${INSTANCE_TOKEN}x`, 'Bearer ', 'bearer nope']) {
          const res = await check(fx.app, endpoint, URL_PRIVATE, { headers: { authorization }, cookie: aliceCookie });
          expect(res.statusCode, authorization).toBe(401);
          expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Gatehouse"/);
          expectEveryAnswer(res);
        }
      });
    });

    describe('forbidden', () => {
      it('an authenticated request to a deny rule gets 403', async () => {
        for (const options of [{ cookie: aliceCookie }, { headers: { authorization: `Bearer ${INSTANCE_TOKEN}` } }]) {
          const res = await check(fx.app, endpoint, 'https://app.example.com/forbidden/x', options);
          expect(res.statusCode).toBe(403);
          expect(res.headers['remote-user']).toBeUndefined();
          expect(res.headers.location).toBeUndefined();
          expectEveryAnswer(res);
        }
      });

      it('a role that may not write gets 403', async () => {
        const viewer: Principal = { ...ALICE, id: 'vic', username: 'vic', role: 'viewer' };
        const { cookieValue } = await fx.sessions.create({ mode: 'token', principal: viewer, amr: ['tok'], acr: 'aal2', mfaAt: null, ip: '203.0.113.7', userAgent: 'test' });
        expect((await check(fx.app, endpoint, URL_PRIVATE, { cookie: sessionCookie(cookieValue) })).statusCode).toBe(200);
        const res = await check(fx.app, endpoint, URL_PRIVATE, { method: 'POST', cookie: sessionCookie(cookieValue) });
        expect(res.statusCode).toBe(403);
        expectEveryAnswer(res);
      });
    });

    describe('bad input', () => {
      it('an untrusted peer gets 400, even with a valid token', async () => {
        const res = await check(fx.app, endpoint, URL_PRIVATE, { remoteAddress: '203.0.113.50', headers: { authorization: `Bearer ${INSTANCE_TOKEN}` } });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({ error: 'untrusted_peer' });
        expect(res.headers['remote-user']).toBeUndefined();
        expectEveryAnswer(res);
      });

      it('malformed targets get 400, even with a valid token', async () => {
        const bad = ['http://app.example.com/x', 'https://evil.com/x', 'https://app.example.com/a/../b', 'https://app.example.com/a%2Fb', 'https://app.example.com/a;b'];
        for (const url of bad) {
          const res = await check(fx.app, endpoint, url, { headers: { authorization: `Bearer ${INSTANCE_TOKEN}` } });
          expect(res.statusCode, url).toBe(400);
          expectEveryAnswer(res);
        }
      });

      it('a malformed method or client IP gets 400', async () => {
        expect((await check(fx.app, endpoint, URL_PRIVATE, { method: 'get', cookie: aliceCookie })).statusCode).toBe(400);
        expect((await check(fx.app, endpoint, URL_PRIVATE, { cookie: aliceCookie, headers: { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' } })).statusCode).toBe(400);
      });

      it('no proxy headers at all gets 400', async () => {
        const res = await check(fx.app, endpoint, URL_PRIVATE, { rawHeaders: {}, cookie: aliceCookie });
        expect(res.statusCode).toBe(400);
        expectEveryAnswer(res);
      });

      it('an unsupported Authorization scheme gets 400', async () => {
        const res = await check(fx.app, endpoint, URL_PRIVATE, { headers: { authorization: 'Digest username="x"' } });
        expect(res.statusCode).toBe(400);
        expectEveryAnswer(res);
      });

      it('a huge header value still gets a small 400 body', async () => {
        const res = await check(fx.app, endpoint, `https://${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.evil.org/${'x'.repeat(6000)}`);
        expect(res.statusCode).toBe(400);
        expectEveryAnswer(res);
      });
    });
  });
});

describe('check endpoints: step-up on two_factor rules', () => {
  let fx: AppFixture;
  beforeAll(async () => {
    fx = await createAppFixture({ ...TOKEN_MODE, rules: [{ domain: '*.example.com', path: '/vault', policy: 'two_factor' }] });
  });
  afterAll(() => fx.close());

  it.each(ENDPOINTS)('%s: an aal1 session is sent to /login/2fa', async (endpoint) => {
    const aal1: Principal = { ...ALICE, acr: 'aal1' };
    const { cookieValue } = await fx.sessions.create({ mode: 'token', principal: aal1, amr: ['pwd'], acr: 'aal1', mfaAt: null, ip: '203.0.113.7', userAgent: 'test' });
    const url = 'https://app.example.com/vault';
    const res = await check(fx.app, endpoint, url, { cookie: sessionCookie(cookieValue), headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(endpoint === 'forward-auth' ? 302 : 401);
    expect(res.headers.location).toBe(`https://auth.example.com/login/2fa?rd=${encodeURIComponent(url)}&rm=GET`);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
