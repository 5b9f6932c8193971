import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../crypto/constant-time.js';
import { randomToken, type Random } from '../crypto/random.js';
import { readCookie, serializeCookie } from './cookies.js';

export const CSRF_COOKIE = 'gatehouse_csrf';

/**
 * Form posts carry a token that only a page served by Gatehouse can know: the
 * HMAC of a random value kept in an HttpOnly, SameSite=Strict cookie. A
 * cross-site page can neither read the cookie nor compute the HMAC (a sibling
 * subdomain that plants its own cookie still lacks the key). The Origin check
 * comes on top.
 */
export class CsrfGuard {
  constructor(
    private readonly key: Buffer,
    private readonly random: Random,
  ) {}

  /** The token to embed in a form, setting the cookie it is bound to when needed. */
  issue(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
    const existing = readCookie(request.headers.cookie, CSRF_COOKIE);
    let nonce = existing.kind === 'one' && /^[A-Za-z0-9_-]{22}$/.test(existing.value) ? existing.value : undefined;
    if (!nonce) {
      nonce = randomToken(this.random, 16);
      reply.header('set-cookie', serializeCookie(CSRF_COOKIE, nonce, { secure, sameSite: 'Strict' }));
    }
    return this.sign(nonce);
  }

  /** True when the form token matches the cookie and the request did not come from another origin. */
  verify(request: FastifyRequest, formToken: unknown, portalOrigin: string): boolean {
    if (!sameOrigin(request, portalOrigin)) return false;
    const cookie = readCookie(request.headers.cookie, CSRF_COOKIE);
    if (cookie.kind !== 'one' || typeof formToken !== 'string') return false;
    return constantTimeEqual(this.sign(cookie.value), formToken);
  }

  private sign(nonce: string): string {
    return createHmac('sha256', this.key).update(`csrf:${nonce}`).digest('base64url');
  }
}

/** Browsers send Origin on every POST; when present it must be the portal's. */
export function sameOrigin(request: FastifyRequest, portalOrigin: string): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined) return origin === portalOrigin;
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}
