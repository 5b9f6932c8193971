import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, ENDPOINTS, INSTANCE_TOKEN, rawForwardAuthHeaders, TOKEN_MODE } from '../support/portal.js';

/**
 * Attack: a client talks to Gatehouse directly, or smuggles the headers the
 * *other* proxy type uses, to make the check judge a different request than
 * the one it will be let through with.
 */
describe('spoofed forwarded headers', () => {
  let fx: AppFixture;
  beforeAll(async () => {
    fx = await createAppFixture({ ...TOKEN_MODE, trustedProxies: ['127.0.0.0/8', '10.0.0.0/8'], rules: [{ domain: '*.example.com', path: '/public', policy: 'bypass' }] });
  });
  afterAll(() => fx.close());

  describe.each(ENDPOINTS)('%s from an untrusted peer', (endpoint) => {
    it('is refused with 400 even with well-formed headers pointing at a bypass path', async () => {
      for (const remoteAddress of ['203.0.113.9', '192.168.1.5', '::ffff:203.0.113.9', '2001:db8::1']) {
        const res = await check(fx.app, endpoint, 'https://app.example.com/public', { remoteAddress });
        expect(res.statusCode, remoteAddress).toBe(400);
        expect(res.json()).toMatchObject({ error: 'untrusted_peer' });
      }
    });

    it('is refused even when X-Forwarded-For claims a trusted address', async () => {
      const res = await check(fx.app, endpoint, 'https://app.example.com/public', { remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': '127.0.0.1' } });
      expect(res.statusCode).toBe(400);
    });

    it('is refused even with the right token', async () => {
      const res = await check(fx.app, endpoint, 'https://app.example.com/x', { remoteAddress: '203.0.113.9', headers: { authorization: `Bearer ${INSTANCE_TOKEN}` } });
      expect(res.statusCode).toBe(400);
      expect(res.headers['remote-user']).toBeUndefined();
    });

    it('is answered from a trusted peer, including IPv4-mapped and private ranges in trustedProxies', async () => {
      for (const remoteAddress of ['127.0.0.1', '::ffff:127.0.0.1', '10.1.2.3']) {
        const res = await check(fx.app, endpoint, 'https://app.example.com/public', { remoteAddress });
        expect(res.statusCode, remoteAddress).toBe(200);
      }
    });
  });

  it('auth-request ignores X-Forwarded-Host/Uri/Proto/Method: the target comes from X-Original-URL', async () => {
    const res = await check(fx.app, 'auth-request', 'https://app.example.com/private', {
      headers: { 'x-forwarded-host': 'app.example.com', 'x-forwarded-uri': '/public', 'x-forwarded-proto': 'https', 'x-forwarded-method': 'GET' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers.location).toContain(encodeURIComponent('https://app.example.com/private'));
  });

  it('auth-request with only X-Forwarded-* headers (no X-Original-URL) is refused', async () => {
    const res = await check(fx.app, 'auth-request', 'https://app.example.com/public', { rawHeaders: rawForwardAuthHeaders('https://app.example.com/public') });
    expect(res.statusCode).toBe(400);
  });

  it('forward-auth ignores X-Original-URL/Method: the target comes from X-Forwarded-*', async () => {
    const res = await check(fx.app, 'forward-auth', 'https://app.example.com/private', {
      headers: { 'x-original-url': 'https://app.example.com/public', 'x-original-method': 'GET' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers.location).toContain(encodeURIComponent('https://app.example.com/private'));
  });

  it('forward-auth with only X-Original-* headers is refused', async () => {
    const res = await check(fx.app, 'forward-auth', 'https://app.example.com/public', { rawHeaders: { 'x-original-url': 'https://app.example.com/public', 'x-original-method': 'GET', 'x-forwarded-for': '203.0.113.7' } });
    expect(res.statusCode).toBe(400);
  });

  it('a spoofed X-Forwarded-Host outside the protected domains is refused', async () => {
    for (const host of ['evil.com', 'example.com.evil.com', 'evil-example.com']) {
      const res = await check(fx.app, 'forward-auth', `https://${host}/public`);
      expect(res.statusCode, host).toBe(400);
      expect(res.json()).toMatchObject({ error: 'unprotected_host' });
    }
  });
});
