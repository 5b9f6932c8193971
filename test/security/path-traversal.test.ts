import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, ENDPOINTS, TOKEN_MODE } from '../support/portal.js';

/**
 * Attack: a path that a bypass rule matches textually but that the upstream
 * app resolves to a protected path (`/public/../admin`).
 */
describe('path traversal past a bypass rule', () => {
  let fx: AppFixture;
  beforeAll(async () => {
    fx = await createAppFixture({
      ...TOKEN_MODE,
      rules: [
        { domain: '*.example.com', path: '/admin', policy: 'deny' },
        { domain: '*.example.com', path: '/public', policy: 'bypass' },
      ],
    });
  });
  afterAll(() => fx.close());

  const attacks = [
    '/public/../admin',
    '/public/./../admin',
    '/public/%2e%2e/admin',
    '/public/%2E%2E/admin',
    '/public/.%2e/admin',
    '/public/%2e./admin',
    '/public/..',
    '/public/%2e%2e',
    '/public/./x',
    '/public/%2e/x',
    '/public/..;/admin',
    '/public;/../admin',
    '/public//../admin',
    '/public\\..\\admin',
    '/public/..\\admin',
    '/public/%2e%2e%5cadmin',
    '/public/%c0%ae%c0%ae/admin',
    '/public/..%00/admin',
    '/public/..%09/admin',
  ];

  describe.each(ENDPOINTS)('%s', (endpoint) => {
    it.each(attacks)('refuses %s with 400', async (path) => {
      const res = await check(fx.app, endpoint, `https://app.example.com${path}`);
      expect(res.statusCode).toBe(400);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('still allows the real public path and denies the real admin path', async () => {
      expect((await check(fx.app, endpoint, 'https://app.example.com/public/ok.css')).statusCode).toBe(200);
      expect((await check(fx.app, endpoint, 'https://app.example.com/admin')).statusCode).toBe(403);
    });
  });
});
