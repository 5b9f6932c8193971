export const SESSION_COOKIE = 'gatehouse_session';

export type CookieRead = { kind: 'absent' } | { kind: 'one'; value: string } | { kind: 'ambiguous' };

/**
 * Finds one cookie in a Cookie header without parsing the rest. Two cookies
 * with the same name (e.g. one planted on a parent domain by a sibling
 * subdomain) are ambiguous and never guessed between.
 */
export function readCookie(header: string | undefined, name: string): CookieRead {
  if (!header) return { kind: 'absent' };
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return { kind: 'ambiguous' };
    found = part.slice(eq + 1).trim();
  }
  return found === undefined ? { kind: 'absent' } : { kind: 'one', value: found };
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
