import { CONFIG_VERSION, type ConfigInput } from './schema.js';

export const DEFAULT_PORT = 9092;
export const DEFAULT_PORTAL_URL = `http://localhost:${DEFAULT_PORT}`;

/** The portal a fresh install assumes: this machine, on the port Gatehouse listens on (0, "any", gives the default). */
export function defaultPortalUrl(port: number | undefined): string {
  return port ? `http://localhost:${port}` : DEFAULT_PORTAL_URL;
}

/**
 * The protected domain a first run assumes from the portal's host name:
 * `auth.example.com` protects `example.com` and its subdomains; a single-label
 * or IP host (localhost, 192.168.1.10) protects itself.
 */
export function defaultDomainFor(portalUrl: string): string {
  const host = new URL(portalUrl).hostname.toLowerCase().replace(/\.$/, '');
  const labels = host.split('.');
  if (/^\d+(\.\d+){3}$/.test(host) || labels.length < 3) return host;
  return labels.slice(1).join('.');
}

/** config.json as written on first run: open mode, so a fresh install is usable at once. */
export function firstRunConfig(portalUrl: string | undefined): ConfigInput {
  const portal = portalUrl ?? DEFAULT_PORTAL_URL;
  return {
    version: CONFIG_VERSION,
    mode: 'open',
    domains: [defaultDomainFor(portal)],
    // A plain-http portal means a LAN or dev setup: accept http targets too.
    allowHttp: new URL(portal).protocol === 'http:',
    defaultPolicy: 'one_factor',
    rules: [],
  };
}
