import type { FastifyRequest } from 'fastify';
import { isWithinDomain } from '../../config/hostname.js';
import { normalizeIp } from '../../config/network.js';
import type { EnvSettings } from '../env.js';
import { readSingleHeaders } from '../http/headers.js';
import type { Runtime } from '../runtime.js';

export const CALLBACK_PATH = '/api/auth/oidc/callback';

export interface CallbackUrl {
  readonly url: string;
  /** Where the origin came from: a configured portal URL, or the request as the proxy described it. */
  readonly source: 'portal_url' | 'forwarded';
  /** Set when the URL is probably not what the provider has registered. */
  readonly warning?: string;
  /** The proxy headers that were missing when the URL was built from the request. */
  readonly missingHeaders: readonly string[];
}

const HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;
const UNSPECIFIED = new Set(['0.0.0.0', '[::]']);

function isLocalHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function join(base: URL, path: string): string {
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`;
}

/**
 * The redirect_uri Gatehouse gives the provider. A configured portal URL
 * (GATEHOUSE_PORTAL_URL, else `portalUrl`) wins. Without one, the URL is
 * rebuilt from X-Forwarded-Proto and X-Forwarded-Host (else Host), read only
 * from a trusted proxy. A result that is plain http on a real host name is
 * almost always a proxy that does not send X-Forwarded-Proto: the warning says so.
 */
export function callbackUrl(request: FastifyRequest, rt: Runtime, env: Pick<EnvSettings, 'portalUrl'>, path = CALLBACK_PATH): CallbackUrl {
  const configured = env.portalUrl ?? rt.config.portalUrl;
  if (configured !== undefined) {
    const portal = new URL(configured);
    const url = join(portal, path);
    const warning =
      portal.protocol === 'http:' && !isLocalHost(portal.hostname)
        ? `the OIDC callback URL ${url} is plain http on a non-local host because the portal URL is http; most providers refuse it and browsers drop Secure cookies — use an https portal URL`
        : undefined;
    return { url, source: 'portal_url', missingHeaders: [], ...(warning ? { warning } : {}) };
  }

  const peer = normalizeIp(request.socket.remoteAddress ?? '');
  const trusted = rt.trustedProxies.has(peer);
  const forwarded = trusted ? readSingleHeaders(request.raw, ['x-forwarded-proto', 'x-forwarded-host']) : null;
  const proto = firstValue(forwarded?.['x-forwarded-proto'])?.toLowerCase();
  const fwdHost = firstValue(forwarded?.['x-forwarded-host']);
  const missingHeaders = [...(proto ? [] : ['X-Forwarded-Proto']), ...(fwdHost ? [] : ['X-Forwarded-Host'])];

  let host = (fwdHost ?? request.headers.host ?? '').toLowerCase();
  const scheme = proto === 'https' || proto === 'http' ? proto : 'http';
  let origin: URL;
  try {
    origin = new URL(`${scheme}://${host}`);
    if (!HOST.test(host) || !acceptableHost(origin.hostname, rt)) throw new Error('host');
  } catch {
    // A Host we do not protect is never echoed into a redirect_uri.
    origin = new URL(rt.portal.origin);
    host = origin.host;
  }
  const url = join(origin, path);
  let warning: string | undefined;
  if (origin.protocol === 'http:' && (!isLocalHost(origin.hostname) || UNSPECIFIED.has(origin.hostname))) {
    const why = !trusted
      ? `the request came from ${peer}, which is not in trustedProxies, so its X-Forwarded-* headers were ignored`
      : missingHeaders.length > 0
        ? `the proxy sent no ${missingHeaders.join(' and no ')} header`
        : `the proxy sent X-Forwarded-Proto: ${proto}`;
    warning = `the OIDC callback URL would be ${url} (plain http on a non-local host): ${why}. Make the proxy send X-Forwarded-Proto and X-Forwarded-Host, or set GATEHOUSE_PORTAL_URL`;
  }
  return { url, source: 'forwarded', missingHeaders: trusted ? missingHeaders : ['X-Forwarded-Proto', 'X-Forwarded-Host'], ...(warning ? { warning } : {}) };
}

function firstValue(header: string | undefined): string | undefined {
  const first = header?.split(',')[0]?.trim();
  return first ? first : undefined;
}

function acceptableHost(hostname: string, rt: Runtime): boolean {
  const bare = hostname.replace(/\.$/, '');
  return bare === rt.portal.hostname || isLocalHost(bare) || UNSPECIFIED.has(bare) || rt.config.domains.some((d) => isWithinDomain(bare, d));
}
