import { isIP } from 'node:net';
import { isHostname, isWithinDomain } from '../../config/hostname.js';
import { normalizeIp } from '../../config/network.js';

/** The protected request a proxy asks about, validated and normalized. */
export interface Target {
  /** Method used for judging: HEAD is judged as GET. */
  readonly method: string;
  /** Method the client sent, for the portal's `rm` parameter. */
  readonly originalMethod: string;
  readonly proto: 'https' | 'http';
  /** Lower-case host without port or trailing dot: what rules match. */
  readonly host: string;
  /** Raw URI (path + query) as forwarded. */
  readonly uri: string;
  /** Percent-decoded path without the query: what path rules match. */
  readonly path: string;
  /** The absolute URL the client asked for, used as the portal's `rd`. */
  readonly url: string;
  /** The client's IP as the proxy saw it. */
  readonly clientIp: string;
}

export type TargetResult = { ok: true; target: Target } | { ok: false; code: string; message: string };

export interface TargetRules {
  readonly domains: readonly string[];
  readonly allowHttp: boolean;
}

export interface RawTarget {
  method: string | undefined;
  proto: string | undefined;
  host: string | undefined;
  uri: string | undefined;
  clientIp: string | undefined;
}

const METHOD = /^[A-Z]{1,16}$/;
// Backslash, fragment, whitespace, controls and anything outside printable ASCII.
const FORBIDDEN_URI_CHAR = /[\\#\s\x00-\x1f\x7f-\uffff]/;
const BAD_PERCENT = /%(?![0-9a-fA-F]{2})/;
// Encoded slash, backslash and NUL let a path mean one thing to the rule and another upstream.
const FORBIDDEN_ENCODED = /%(?:2f|5c|00)/i;
const DECODED_CONTROL = /[\x00-\x1f\x7f]/;
// A `.` or `..` segment; the path starts with `/`, so every segment follows one.
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

function fail(code: string, message: string): TargetResult {
  return { ok: false, code, message };
}

/** Strips a port and a trailing dot, lower-cases. Null when the host is not a plain DNS name or IPv4. */
export function normalizeHost(value: string): { host: string; authority: string } | null {
  const lower = value.toLowerCase();
  const match = /^([^:]+?)(?::(\d{1,5}))?$/.exec(lower);
  if (!match) return null;
  const name = match[1]!.endsWith('.') ? match[1]!.slice(0, -1) : match[1]!;
  if (!isHostname(name)) return null;
  if (match[2] !== undefined && (Number(match[2]) < 1 || Number(match[2]) > 65535)) return null;
  return { host: name, authority: match[2] === undefined ? name : `${name}:${match[2]}` };
}

/** Validates the raw path + query. Returns the decoded path, or an error message. */
export function validateUri(uri: string): { path: string } | { error: string } {
  if (!uri.startsWith('/') || uri.startsWith('//')) return { error: 'URI must start with a single /' };
  if (FORBIDDEN_URI_CHAR.test(uri)) return { error: 'URI contains a backslash, #, whitespace, control or non-ASCII character' };
  // Raw controls are refused above, so without a `%` there is nothing to decode or to check decoded.
  const escaped = uri.includes('%');
  if (escaped && BAD_PERCENT.test(uri)) return { error: 'URI contains a malformed percent-escape' };
  const queryAt = uri.indexOf('?');
  const rawPath = queryAt === -1 ? uri : uri.slice(0, queryAt);
  if (escaped && FORBIDDEN_ENCODED.test(rawPath)) return { error: 'path contains an encoded slash, backslash or NUL' };
  if (rawPath.includes(';')) return { error: 'path contains ;' };
  let path = rawPath;
  if (rawPath.includes('%')) {
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return { error: 'path is not valid percent-encoded UTF-8' };
    }
    if (DECODED_CONTROL.test(path)) return { error: 'path contains an encoded control character' };
  }
  if (path.includes('//')) return { error: 'path contains an empty segment' };
  if (DOT_SEGMENT.test(path)) return { error: 'path contains a dot segment' };
  return { path };
}

/**
 * Turns the forwarded values into a Target, or says exactly what is wrong.
 * Anything ambiguous fails: the check must never allow what it did not understand.
 */
export function parseTarget(raw: RawTarget, rules: TargetRules): TargetResult {
  const { method, proto, host, uri, clientIp } = raw;
  if (method === undefined || !METHOD.test(method)) return fail('bad_method', 'forwarded method missing or malformed');
  if (proto !== 'https' && !(proto === 'http' && rules.allowHttp)) {
    return fail('bad_proto', proto === 'http' ? 'forwarded proto http is not allowed (set allowHttp for LAN-only setups)' : 'forwarded proto missing or malformed');
  }
  if (host === undefined) return fail('bad_host', 'forwarded host missing');
  const normalized = normalizeHost(host);
  if (!normalized) return fail('bad_host', 'forwarded host malformed');
  if (!rules.domains.some((domain) => isWithinDomain(normalized.host, domain))) {
    return fail('unprotected_host', `host ${normalized.host} is not inside a protected domain`);
  }
  if (uri === undefined) return fail('bad_uri', 'forwarded URI missing');
  const checked = validateUri(uri);
  if ('error' in checked) return fail('bad_uri', checked.error);
  const ip = clientIp === undefined ? undefined : normalizeIp(clientIp);
  if (ip === undefined || isIP(ip) === 0) return fail('bad_client_ip', 'forwarded client IP missing or not a single IP address');
  return {
    ok: true,
    target: {
      method: method === 'HEAD' ? 'GET' : method,
      originalMethod: method,
      proto,
      host: normalized.host,
      uri,
      path: checked.path,
      url: `${proto}://${normalized.authority}${uri}`,
      clientIp: ip,
    },
  };
}

/**
 * Splits nginx's X-Original-URL (`$scheme://$http_host$request_uri`) without
 * `new URL()`, which would silently resolve dot segments and hide an attack.
 */
export function splitOriginalUrl(value: string): { proto: string; host: string; uri: string } | null {
  const match = /^([a-z]+):\/\/([^/?#\\@]+)(\/.*)?$/.exec(value);
  if (!match) return null;
  return { proto: match[1]!, host: match[2]!, uri: match[3] ?? '/' };
}
