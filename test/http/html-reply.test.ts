/**
 * Headers of portal pages that real browsers act on (found by the Chromium
 * e2e test, test/e2e/browser-login.test.ts):
 * - `Referrer-Policy: no-referrer` made Chromium send `Origin: null` on the
 *   portal's own form POSTs, so the CSRF origin check refused every login;
 * - `form-action 'self'` also governs the redirect after a form POST, so the
 *   login's 303 to the protected app was blocked.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { redirectFormTargets, sendHtml } from '../../src/http/html-reply.js';

async function headersOf(formTargets?: readonly string[]) {
  const app = Fastify();
  app.get('/', (_request, reply) => (formTargets ? sendHtml(reply, 200, '<p>x</p>', formTargets) : sendHtml(reply, 200, '<p>x</p>')));
  const res = await app.inject({ method: 'GET', url: '/' });
  await app.close();
  return res.headers;
}

describe('sendHtml', () => {
  it('keeps Referer off other origins but lets same-origin form posts carry their Origin', async () => {
    expect((await headersOf())['referrer-policy']).toBe('same-origin');
  });

  it("allows forms to post to the portal only, by default", async () => {
    expect((await headersOf())['content-security-policy']).toContain("form-action 'self';");
  });

  it('adds the given form-action sources (a login form redirecting to a protected app)', async () => {
    const csp = String((await headersOf(['https://example.com:*', 'https://*.example.com:*']))['content-security-policy']);
    expect(csp).toContain("form-action 'self' https://example.com:* https://*.example.com:*;");
    expect(csp).toContain("frame-ancestors 'none'");
  });
});

describe('redirectFormTargets', () => {
  it('covers each protected domain and its subdomains, on any port, https only', () => {
    expect(redirectFormTargets({ domains: ['example.com', 'example.org'], allowHttp: false })).toEqual([
      'https://example.com:*',
      'https://*.example.com:*',
      'https://example.org:*',
      'https://*.example.org:*',
    ]);
  });

  it('adds http only when plain http is allowed', () => {
    expect(redirectFormTargets({ domains: ['lan.home'], allowHttp: true })).toEqual(['https://lan.home:*', 'https://*.lan.home:*', 'http://lan.home:*', 'http://*.lan.home:*']);
  });

  it('adds nothing without protected domains', () => {
    expect(redirectFormTargets({ domains: [], allowHttp: true })).toEqual([]);
  });
});
