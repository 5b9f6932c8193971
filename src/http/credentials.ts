import type { Credentials } from '../../strategies/types.js';
import { readCookie, SESSION_COOKIE } from './cookies.js';

/** What a request presented, before verification. Sessions are verified by the caller. */
export type PresentedCredentials =
  | Exclude<Credentials, { kind: 'session' }>
  | { readonly kind: 'cookie'; readonly value: string }
  | { readonly kind: 'malformed'; readonly code: string; readonly challenge?: 'basic' | 'bearer' };

/**
 * An Authorization header is used alone: a wrong token or password never
 * falls back to the cookie, so a stolen cookie can't be "upgraded" by noise.
 */
export function presentedCredentials(authorization: string | undefined, cookieHeader: string | undefined): PresentedCredentials {
  if (authorization !== undefined) {
    const space = authorization.indexOf(' ');
    const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase();
    const value = space === -1 ? '' : authorization.slice(space + 1).trim();
    if (scheme === 'bearer') {
      return value ? { kind: 'bearer', token: value } : { kind: 'malformed', code: 'malformed_bearer', challenge: 'bearer' };
    }
    if (scheme === 'basic') {
      const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      if (colon === -1) return { kind: 'malformed', code: 'malformed_basic', challenge: 'basic' };
      return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    return { kind: 'malformed', code: 'unsupported_authorization_scheme' };
  }
  const cookie = readCookie(cookieHeader, SESSION_COOKIE);
  if (cookie.kind === 'ambiguous') return { kind: 'malformed', code: 'ambiguous_session_cookie' };
  if (cookie.kind === 'one') return { kind: 'cookie', value: cookie.value };
  return { kind: 'none' };
}
