import { isWithinDomain } from '../../config/hostname.js';

const UNSAFE_CHARS = /[\\\s\x00-\x1f\x7f]/;

export interface RedirectPolicy {
  readonly domains: readonly string[];
  readonly allowHttp: boolean;
}

/**
 * The `rd` a login may send the browser back to, or null. Raw backslashes,
 * whitespace and controls are refused before `new URL()`, which would
 * "repair" them into a different host; then https only (http only when
 * allowed), no userinfo, and a host inside a protected domain.
 */
export function safeRedirectTarget(rd: unknown, policy: RedirectPolicy): string | null {
  if (typeof rd !== 'string' || rd.length === 0 || rd.length > 4096 || UNSAFE_CHARS.test(rd)) return null;
  let url: URL;
  try {
    url = new URL(rd);
  } catch {
    return null;
  }
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && policy.allowHttp))) return null;
  if (url.username !== '' || url.password !== '') return null;
  const host = url.hostname.replace(/\.$/, '');
  if (!policy.domains.some((domain) => isWithinDomain(host, domain))) return null;
  return url.href;
}
