import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../config/schema.js';
import { callbackUrl } from '../../src/oidc/callback-url.js';
import { buildRuntime } from '../../src/runtime.js';

const config = (portalUrl?: string) =>
  ConfigSchema.parse({ version: 1, mode: 'oauth2', domains: ['example.com'], ...(portalUrl ? { portalUrl } : {}), oauth2: { issuerUrl: 'https://idp.example.com', clientId: 'gh' } });

function request(headers: Record<string, string>, peer = '127.0.0.1'): FastifyRequest {
  const rawHeaders = Object.entries(headers).flat();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { socket: { remoteAddress: peer }, raw: { rawHeaders }, headers: lower } as unknown as FastifyRequest;
}

describe('the OIDC callback URL', () => {
  it('is GATEHOUSE_PORTAL_URL + /api/auth/oidc/callback when set, whatever the request says', () => {
    const rt = buildRuntime(config(), { portalUrl: 'https://auth.example.com' });
    const cb = callbackUrl(request({ Host: 'evil.example.net', 'X-Forwarded-Proto': 'http' }), rt, { portalUrl: 'https://auth.example.com' });
    expect(cb).toEqual({ url: 'https://auth.example.com/api/auth/oidc/callback', source: 'portal_url', missingHeaders: [] });
  });

  it('falls back to config.portalUrl', () => {
    const rt = buildRuntime(config('https://login.example.com/'), { portalUrl: undefined });
    expect(callbackUrl(request({ Host: 'x' }), rt, { portalUrl: undefined }).url).toBe('https://login.example.com/api/auth/oidc/callback');
  });

  it('without a portal URL: built from a trusted proxy’s X-Forwarded-Proto and X-Forwarded-Host', () => {
    const rt = buildRuntime(config(), { portalUrl: undefined });
    const cb = callbackUrl(request({ Host: 'gatehouse:9092', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'auth.example.com' }), rt, { portalUrl: undefined });
    expect(cb).toEqual({ url: 'https://auth.example.com/api/auth/oidc/callback', source: 'forwarded', missingHeaders: [] });
  });

  it('warns, naming the missing header, when it would be plain http on a real host', () => {
    const rt = buildRuntime(config(), { portalUrl: undefined });
    const cb = callbackUrl(request({ Host: 'auth.example.com' }), rt, { portalUrl: undefined });
    expect(cb.url).toBe('http://auth.example.com/api/auth/oidc/callback');
    expect(cb.missingHeaders).toEqual(['X-Forwarded-Proto', 'X-Forwarded-Host']);
    expect(cb.warning).toMatch(/plain http on a non-local host\): the proxy sent no X-Forwarded-Proto and no X-Forwarded-Host header/);
    expect(cb.warning).toMatch(/GATEHOUSE_PORTAL_URL/);
  });

  it('ignores X-Forwarded-* from an untrusted peer, and says so', () => {
    const rt = buildRuntime(config(), { portalUrl: undefined });
    const cb = callbackUrl(request({ Host: 'auth.example.com', 'X-Forwarded-Proto': 'https' }, '203.0.113.9'), rt, { portalUrl: undefined });
    expect(cb.url).toBe('http://auth.example.com/api/auth/oidc/callback');
    expect(cb.warning).toMatch(/203\.0\.113\.9, which is not in trustedProxies/);
  });

  it('no warning for localhost; a warning for the unspecified address', () => {
    const rt = buildRuntime(config(), { portalUrl: undefined });
    expect(callbackUrl(request({ Host: 'localhost:9092' }), rt, { portalUrl: undefined }).warning).toBeUndefined();
    expect(callbackUrl(request({ Host: '0.0.0.0:9092' }), rt, { portalUrl: undefined }).warning).toMatch(/plain http/);
  });

  it('never echoes a Host outside the protected domains into the redirect_uri', () => {
    const rt = buildRuntime(config(), { portalUrl: undefined });
    const cb = callbackUrl(request({ 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example.net' }), rt, { portalUrl: undefined });
    expect(cb.url).not.toContain('evil');
  });
});
