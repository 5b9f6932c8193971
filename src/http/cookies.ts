export const SESSION_COOKIE = 'gatehouse_session';

export type CookieRead = { kind: 'absent' } | { kind: 'one'; value: string } | { kind: 'ambiguous' };

const ABSENT: CookieRead = Object.freeze({ kind: 'absent' });
const AMBIGUOUS: CookieRead = Object.freeze({ kind: 'ambiguous' });

/**
 * Finds one cookie in a Cookie header without parsing the rest. Two cookies
 * with the same name (e.g. one planted on a parent domain by a sibling
 * subdomain) are ambiguous and never guessed between.
 */
export function readCookie(header: string | undefined, name: string): CookieRead {
  // The forward-auth check reads a browser's whole Cookie header on every request, so the
  // `;`-separated pairs are walked in place rather than split into an array. Each search
  // only moves forward (`eq` is reused until passed), so the walk stays linear.
  if (!header || !header.includes(name)) return ABSENT;
  let found: string | undefined;
  let eq = -1;
  for (let start = 0; start < header.length; ) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    if (eq < start) eq = header.indexOf('=', start);
    if (eq === -1) break; // no `=` left: no more name=value pairs
    if (eq < end && header.slice(start, eq).trim() === name) {
      if (found !== undefined) return AMBIGUOUS;
      found = header.slice(eq + 1, end).trim();
    }
    start = end + 1;
  }
  return found === undefined ? ABSENT : { kind: 'one', value: found };
}

export interface CookieOptions {
  readonly secure: boolean;
  readonly domain?: string | undefined;
  readonly maxAgeSeconds?: number;
  readonly path?: string;
  readonly sameSite?: 'Lax' | 'Strict';
  readonly httpOnly?: boolean;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${options.path ?? '/'}`, `SameSite=${options.sameSite ?? 'Lax'}`];
  if (options.httpOnly !== false) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  if (options.domain) parts.push(`Domain=${options.domain}`);
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  return parts.join('; ');
}

/** Clears both the domain-wide and the host-only variant, so a stale copy can't linger. */
export function clearCookie(name: string, options: CookieOptions): string[] {
  const expired = { ...options, maxAgeSeconds: 0 };
  const cookies = [serializeCookie(name, '', { ...expired, domain: undefined })];
  if (options.domain) cookies.push(serializeCookie(name, '', expired));
  return cookies;
}
