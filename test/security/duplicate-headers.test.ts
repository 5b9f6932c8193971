import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, INSTANCE_TOKEN, TOKEN_MODE } from '../support/portal.js';

/**
 * Attack: a client adds its own copy of a header the proxy also sets. Node
 * joins most duplicates with ", " (and keeps only the first Authorization),
 * so the check could read the client's value instead of the proxy's.
 */
describe('duplicate headers', () => {
  let fx: AppFixture;
  beforeAll(async () => {
    fx = await createAppFixture({ ...TOKEN_MODE, rules: [{ domain: '*.example.com', path: '/public', policy: 'bypass' }] });
  });
  afterAll(() => fx.close());

  const url = 'https://app.example.com/public';

  it('two X-Forwarded-Host → 400', async () => {
    const res = await check(fx.app, 'forward-auth', url, { headers: { 'x-forwarded-host': ['app.example.com', 'app.example.com'] } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'duplicate_header' });
  });

  it.each(['x-forwarded-method', 'x-forwarded-proto', 'x-forwarded-uri', 'x-forwarded-for'])('two %s → 400 (forward-auth)', async (name) => {
    const value = { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-uri': '/public', 'x-forwarded-for': '203.0.113.7' }[name]!;
    const res = await check(fx.app, 'forward-auth', url, { headers: { [name]: [value, value] } });
    expect(res.statusCode).toBe(400);
  });

  it.each(['x-original-url', 'x-original-method', 'x-forwarded-for'])('two %s → 400 (auth-request)', async (name) => {
    const value = { 'x-original-url': url, 'x-original-method': 'GET', 'x-forwarded-for': '203.0.113.7' }[name]!;
    const res = await check(fx.app, 'auth-request', url, { headers: { [name]: [value, value] } });
    expect(res.statusCode).toBe(400);
  });

  it.each(['forward-auth', 'auth-request'] as const)('two Authorization headers → 400 (%s), even when one is right', async (endpoint) => {
    const res = await check(fx.app, endpoint, 'https://app.example.com/private', { headers: { authorization: [`Bearer ${INSTANCE_TOKEN}`, 'Bearer wrong'] } });
    expect(res.statusCode).toBe(400);
    const reversed = await check(fx.app, endpoint, 'https://app.example.com/private', { headers: { authorization: ['Bearer wrong', `Bearer ${INSTANCE_TOKEN}`] } });
    expect(reversed.statusCode).toBe(400);
  });

  it('a comma-joined value is refused too', async () => {
    expect((await check(fx.app, 'forward-auth', url, { headers: { 'x-forwarded-host': 'app.example.com, evil.com' } })).statusCode).toBe(400);
    expect((await check(fx.app, 'forward-auth', url, { headers: { 'x-forwarded-proto': 'https, http' } })).statusCode).toBe(400);
    expect((await check(fx.app, 'forward-auth', url, { headers: { 'x-forwarded-method': 'GET, POST' } })).statusCode).toBe(400);
  });

  describe('over a real socket', () => {
    let port: number;
    beforeAll(async () => {
      await fx.app.listen({ port: 0, host: '127.0.0.1' });
      port = (fx.app.server.address() as AddressInfo).port;
    });

    function rawRequest(lines: string[]): Promise<string> {
      return new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      });
    }

    const base = ['GET /api/authz/forward-auth HTTP/1.1', 'Host: gatehouse', 'Connection: close', 'X-Forwarded-Method: GET', 'X-Forwarded-Proto: https', 'X-Forwarded-Uri: /public', 'X-Forwarded-For: 203.0.113.7'];

    it('one X-Forwarded-Host is answered', async () => {
      expect(await rawRequest([...base, 'X-Forwarded-Host: app.example.com'])).toMatch(/^HTTP\/1\.1 200 /);
    });

    it('two X-Forwarded-Host lines, in any case, are refused', async () => {
      expect(await rawRequest([...base, 'X-Forwarded-Host: app.example.com', 'x-forwarded-host: evil.com'])).toMatch(/^HTTP\/1\.1 400 /);
      expect(await rawRequest([...base, 'X-Forwarded-Host: app.example.com', 'X-FORWARDED-HOST: app.example.com'])).toMatch(/^HTTP\/1\.1 400 /);
    });

    it('two Authorization lines are refused (Node alone would silently keep the first)', async () => {
      const res = await rawRequest([...base.map((l) => l.replace('/public', '/private')), 'X-Forwarded-Host: app.example.com', `Authorization: Bearer ${INSTANCE_TOKEN}`, 'Authorization: Bearer other']);
      expect(res).toMatch(/^HTTP\/1\.1 400 /);
    });
  });
});
