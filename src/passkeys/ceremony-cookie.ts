import type { FastifyReply, FastifyRequest } from 'fastify';
import { readCookie, serializeCookie } from '../http/cookies.js';
import { CHALLENGE_TTL_MS } from './challenge-store.js';

export const CEREMONY_COOKIE = 'gatehouse_webauthn';
const PATH = '/api/passkeys';

/**
 * The ceremony id lives in an HttpOnly, SameSite=Strict, host-only cookie
 * scoped to the passkey API: only the browser that asked for the options can
 * answer them, and no page script (nor a sibling subdomain) can read it.
 */
export function setCeremonyCookie(reply: FastifyReply, ceremonyId: string, secure: boolean): void {
  reply.header('set-cookie', serializeCookie(CEREMONY_COOKIE, ceremonyId, { secure, sameSite: 'Strict', path: PATH, maxAgeSeconds: CHALLENGE_TTL_MS / 1000 }));
}

export function clearCeremonyCookie(reply: FastifyReply, secure: boolean): void {
  reply.header('set-cookie', serializeCookie(CEREMONY_COOKIE, '', { secure, sameSite: 'Strict', path: PATH, maxAgeSeconds: 0 }));
}

/** The ceremony id this browser holds; undefined when absent or ambiguous. */
export function readCeremonyId(request: FastifyRequest): string | undefined {
  const cookie = readCookie(request.headers.cookie, CEREMONY_COOKIE);
  return cookie.kind === 'one' && /^[A-Za-z0-9_-]{24}$/.test(cookie.value) ? cookie.value : undefined;
}
