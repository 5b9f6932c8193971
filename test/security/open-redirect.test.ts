import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeRedirectTarget, type RedirectPolicy } from '../../src/http/safe-redirect.js';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { TOKEN_MODE, tokenLogin } from '../support/portal.js';

const POLICY: RedirectPolicy = { domains: ['example.com'], allowHttp: false };

/** Attack: a login link whose `rd` sends the freshly signed-in user to an attacker's site. */
describe('open redirect via rd', () => {
  describe('safeRedirectTarget', () => {
    const refused = [
      'https://evil.com',
      'https://evil.com/x',
      '//evil.com',
      '//evil.com/x',
      '///evil.com',
      '/\\evil.com',
      'https://example.com@evil.com',
      'https://app.example.com:pw@evil.com/',
      'https://user@app.example.com/',
      'https:\\\\evil.com',
      'https:/\\evil.com',
      'https://evil.com\\.example.com',
      'https://evil.com\\@app.example.com',
      'javascript:alert(1)',
      'JavaScript:alert(document.cookie)',
      'data:text/html,<script>alert(1)</script>',
      'http://app.example.com/',
      'ftp://app.example.com/',
      'https://app.exa\tmple.com/',
      'https://app.example.com/\nSet-Cookie: x',
      'https://evil.com\t.example.com',
      'https://evil.com%09.example.com',
      ' https://app.example.com/',
      'https://app.example.com/\x00',
      'https://example.com.evil.com/',
      'https://evil-example.com/',
      'https://notexample.com/',
      'https://evil.com#.example.com',
      'https://evil.com?.example.com',
      'https://evil.com/.example.com',
      '/relative/path',
      'app.example.com',
      '',
      'https://' + 'a'.repeat(5000) + '.example.com/',
    ];
    it.each(refused)('refuses %j', (rd) => {
      expect(safeRedirectTarget(rd, POLICY)).toBeNull();
    });

    it('refuses non-strings', () => {
      for (const rd of [undefined, null, 42, ['https://app.example.com/'], { href: 'https://app.example.com/' }]) expect(safeRedirectTarget(rd, POLICY)).toBeNull();
    });

    it('accepts the protected domain and its subdomains over https', () => {
      expect(safeRedirectTarget('https://example.com/', POLICY)).toBe('https://example.com/');
      expect(safeRedirectTarget('https://app.example.com/a?b=c', POLICY)).toBe('https://app.example.com/a?b=c');
      expect(safeRedirectTarget('https://deep.app.example.com:8443/x', POLICY)).toBe('https://deep.app.example.com:8443/x');
      expect(safeRedirectTarget('https://APP.Example.COM/x', POLICY)).toBe('https://app.example.com/x');
    });

    it('accepts http only when allowed', () => {
      expect(safeRedirectTarget('http://app.example.com/', { ...POLICY, allowHttp: true })).toBe('http://app.example.com/');
      expect(safeRedirectTarget('http://evil.com/', { ...POLICY, allowHttp: true })).toBeNull();
    });
  });

  describe('through the login form', () => {
    let fx: AppFixture;
    beforeAll(async () => {
      fx = await createAppFixture(TOKEN_MODE);
    });
    afterAll(() => fx.close());

    it.each(['https://evil.com/', '//evil.com', 'https://example.com@evil.com/', 'https:\\\\evil.com', 'javascript:alert(1)'])('a successful login with rd=%j lands on the portal home', async (rd) => {
      const { res } = await tokenLogin(fx.app, undefined, rd);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('https://auth.example.com/');
    });

    it('the login page never echoes an unsafe rd into the form', async () => {
      const res = await fx.app.inject({ method: 'GET', url: `/login?rd=${encodeURIComponent('https://evil.com/')}` });
      expect(res.body).not.toContain('evil.com');
    });
  });
});
