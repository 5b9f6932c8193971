const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

/** A lower-case DNS name (or dotted IPv4), no port, no trailing dot. */
export function isHostname(value: string): boolean {
  return HOSTNAME.test(value);
}

/** `example.com` or `*.example.com`. */
export function isDomainPattern(value: string): boolean {
  return isHostname(value.startsWith('*.') ? value.slice(2) : value);
}

/** True when `host` is `domain` or a subdomain of it (dot-suffix, never a bare suffix). */
export function isWithinDomain(host: string, domain: string): boolean {
  return host === domain || (host.length > domain.length && host.endsWith(domain) && host[host.length - domain.length - 1] === '.');
}
