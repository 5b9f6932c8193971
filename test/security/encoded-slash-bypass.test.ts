import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, ENDPOINTS, TOKEN_MODE } from '../support/portal.js';

/**
 * Attack: encoded separators (`%2F`, `%5C`) or NUL make the rule see one path
 * while an upstream that decodes them sees another.
 */
describe('encoded slash bypass', () => {
  let fx: AppFixture;
  beforeAll(async () => {
    fx = await createAppFixture({
      ...TOKEN_MODE,
      rules: [
        { domain: '*.example.com', path: '/public', policy: 'bypass' },
        { domain: '*.example.com', path: '^/static/[a-z]+\\.css$', policy: 'bypass' },
      ],
    });
  });
  afterAll(() => fx.close());

  const attacks = [
    '/public/..%2Fadmin',
    '/public/..%2fadmin',
    '/public%2F..%2Fadmin',
    '/public%2f..%2fadmin',
    '/public%2Fadmin',
    '/public/%2F/admin',
    '/public%5C..%5Cadmin',
    '/public/..%5cadmin',
    '/public%00/admin',
    '/public/x%00.css',
    '/static/a.css%2F..%2F..%2Fadmin',
    '/%2Fpublic',
    '/public/%252e%252e/%2Fadmin',
  ];

  describe.each(ENDPOINTS)('%s', (endpoint) => {
    it.each(attacks)('refuses %s with 400, never 2xx', async (path) => {
      const res = await check(fx.app, endpoint, `https://app.example.com${path}`);
      expect(res.statusCode).toBe(400);
    });

    it('allows encoded slashes in the query string, where they separate nothing', async () => {
      const res = await check(fx.app, endpoint, 'https://app.example.com/public/search?q=a%2Fb%5Cc%00');
      expect(res.statusCode).toBe(200);
    });

    it('an encoded slash in the query does not make a protected path public', async () => {
      const res = await check(fx.app, endpoint, 'https://app.example.com/admin?x=/public%2F..');
      expect(res.statusCode).toBe(401);
    });
  });
});
