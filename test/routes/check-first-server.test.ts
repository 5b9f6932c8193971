import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../../strategies/types.js';
import { authRequestHeaders, createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, ENDPOINTS, rawForwardAuthHeaders, sessionCookie, TOKEN_MODE } from '../support/portal.js';

/**
 * A listening Gatehouse answers `GET` checks before Fastify sees them (check-first-server.ts).
 * These tests go over a real socket, where that path runs, and compare with `inject()`,
 * where the Fastify route runs the same handler.
 */

const URL_PRIVATE = 'https://app.example.com/private/page?x=1';
const BOB: Principal = { id: 'bob', username: 'bob', role: 'viewer', groups: ['staff'], email: 'bob@example.com', name: 'Bob', amr: ['tok'], acr: 'aal1' };

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function overSocket(port: number, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One request written byte for byte (Node's client would merge repeated Cookie lines); resolves with the status code. */
function rawStatus(port: number, head: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(`${head}\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

function proxyHeaders(endpoint: (typeof ENDPOINTS)[number], url: string): Record<string, string> {
  return endpoint === 'forward-auth' ? rawForwardAuthHeaders(url) : authRequestHeaders(url);
}

describe('checks answered before Fastify, over a real socket', () => {
  let fx: AppFixture;
  let port: number;
  let bobCookie: string;

  beforeAll(async () => {
    fx = await createAppFixture({ ...TOKEN_MODE, rules: [{ domain: '*.example.com', path: '/public', policy: 'bypass' }] });
    await fx.app.listen({ port: 0, host: '127.0.0.1' });
    const address = fx.app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    const { cookieValue } = await fx.sessions.create({ mode: 'token', principal: BOB, amr: BOB.amr, acr: BOB.acr, mfaAt: null, ip: '203.0.113.7', userAgent: 'test' });
    bobCookie = sessionCookie(cookieValue);
  });
  afterAll(() => fx.close());
  afterEach(() => vi.restoreAllMocks());

  describe.each(ENDPOINTS)('%s', (endpoint) => {
    it('allows a session with the same status, Remote-* headers and empty body as the Fastify route', async () => {
      const wire = await overSocket(port, 'GET', `/api/authz/${endpoint}`, { ...proxyHeaders(endpoint, URL_PRIVATE), cookie: bobCookie });
      const injected = await check(fx.app, endpoint, URL_PRIVATE, { cookie: bobCookie });
      expect(wire.status).toBe(200);
      expect(injected.statusCode).toBe(200);
      for (const name of ['remote-user', 'remote-groups', 'remote-email', 'remote-name', 'cache-control']) {
        expect(wire.headers[name], name).toBe(injected.headers[name]);
      }
      expect(wire.headers['remote-user']).toBe('bob');
      expect(wire.headers['content-length']).toBe('0');
      expect(wire.body).toBe('');
    });

    it('refuses a missing credential with the same JSON body and content type as the Fastify route', async () => {
      const wire = await overSocket(port, 'GET', `/api/authz/${endpoint}`, { ...proxyHeaders(endpoint, URL_PRIVATE), accept: 'application/json' });
      const injected = await check(fx.app, endpoint, URL_PRIVATE, { headers: { accept: 'application/json' } });
      expect(wire.status).toBe(401);
      expect(wire.status).toBe(injected.statusCode);
      expect(wire.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(wire.headers['content-type']).toBe(injected.headers['content-type']);
      expect(wire.headers.location).toBe(injected.headers.location);
      expect(wire.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(wire.body)).toEqual(injected.json());
      expect(wire.headers['remote-user']).toBeUndefined();
    });

    it('second-cookie-line-cannot-smuggle-a-session: a gatehouse_session on each of two Cookie lines is ambiguous, never allowed', async () => {
      const lines = Object.entries(proxyHeaders(endpoint, URL_PRIVATE)).map(([name, value]) => `${name}: ${value}`);
      const head = (cookies: string[]) => [`GET /api/authz/${endpoint} HTTP/1.1`, 'Host: gatehouse', ...lines, ...cookies.map((c) => `Cookie: ${c}`)].join('\r\n');
      expect(await rawStatus(port, head(['theme=dark', bobCookie]))).toBe(200);
      expect(await rawStatus(port, head([bobCookie, bobCookie]))).toBe(400);
      expect(await rawStatus(port, head([bobCookie, 'gatehouse_session=forged.value']))).toBe(400);
    });

    it('answers a check path with a query string like the bare path', async () => {
      const wire = await overSocket(port, 'GET', `/api/authz/${endpoint}?from=proxy`, { ...proxyHeaders(endpoint, URL_PRIVATE), cookie: bobCookie });
      expect(wire.status).toBe(200);
      expect(wire.headers['remote-user']).toBe('bob');
    });

    it('answers HEAD through the Fastify route with the same headers and no body', async () => {
      const wire = await overSocket(port, 'HEAD', `/api/authz/${endpoint}`, { ...proxyHeaders(endpoint, URL_PRIVATE), cookie: bobCookie });
      expect(wire.status).toBe(200);
      expect(wire.headers['remote-user']).toBe('bob');
      expect(wire.body).toBe('');
    });

    it('fails closed with a 500 when the check itself throws (never a pass)', async () => {
      vi.spyOn(fx.sessions, 'verify').mockImplementation(() => {
        throw new Error('session store exploded');
      });
      const wire = await overSocket(port, 'GET', `/api/authz/${endpoint}`, { ...proxyHeaders(endpoint, URL_PRIVATE), cookie: bobCookie });
      const injected = await check(fx.app, endpoint, URL_PRIVATE, { cookie: bobCookie });
      expect(wire.status).toBe(500);
      expect(injected.statusCode).toBe(500);
      expect(JSON.parse(wire.body)).toEqual({ error: 'internal_error', message: 'internal error' });
      expect(wire.headers['remote-user']).toBeUndefined();
      expect(wire.headers['cache-control']).toBe('no-store');
      // The server is still answering afterwards.
      vi.restoreAllMocks();
      const after = await overSocket(port, 'GET', `/api/authz/${endpoint}`, { ...proxyHeaders(endpoint, URL_PRIVATE), cookie: bobCookie });
      expect(after.status).toBe(200);
    });
  });

  it('leaves every other route to Fastify (health, 404, a POST to a check path)', async () => {
    expect((await overSocket(port, 'GET', '/api/health', {})).status).toBe(200);
    const missing = await overSocket(port, 'GET', '/api/authz/forward-auth-nope', {});
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: 'not_found' });
    const post = await overSocket(port, 'POST', '/api/authz/forward-auth', { ...rawForwardAuthHeaders(URL_PRIVATE), cookie: bobCookie });
    expect(post.status).toBe(404);
    expect(post.headers['remote-user']).toBeUndefined();
  });

  it('counts checks answered over the socket in /metrics', async () => {
    const before = await fx.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    const count = (text: string) => Number(/gatehouse_checks_total\{endpoint="forward-auth",outcome="allow"\} (\d+)/.exec(text)?.[1]);
    await overSocket(port, 'GET', '/api/authz/forward-auth', { ...rawForwardAuthHeaders(URL_PRIVATE), cookie: bobCookie });
    const after = await fx.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(count(after.body)).toBe(count(before.body) + 1);
  });
});

describe('spoofed forwarded headers from an untrusted peer, over a real socket', () => {
  let fx: AppFixture;
  let port: number;

  beforeAll(async () => {
    // Loopback is not a trusted proxy here, so the test client is an untrusted peer.
    fx = await createAppFixture({ trustedProxies: ['10.0.0.0/8'] });
    await fx.app.listen({ port: 0, host: '127.0.0.1' });
    const address = fx.app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => fx.close());

  it.each(ENDPOINTS)('%s: refuses with 400 untrusted_peer and no identity, even in open mode', async (endpoint) => {
    const wire = await overSocket(port, 'GET', `/api/authz/${endpoint}`, proxyHeaders(endpoint, URL_PRIVATE));
    expect(wire.status).toBe(400);
    expect(JSON.parse(wire.body).error).toBe('untrusted_peer');
    expect(wire.headers['remote-user']).toBeUndefined();
  });
});
