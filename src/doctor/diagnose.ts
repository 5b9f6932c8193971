import { isWithinDomain } from '../../config/hostname.js';
import type { Config } from '../../config/schema.js';
import type { NetworkList } from '../../config/network.js';
import type { AccessPolicy } from '../authz/rules.js';
import { NEEDED_HEADERS, type PeerRecord, type PeerWindow, type ProxyKind } from './check-peers.js';
import { gatehouseFix, proxyFix, type Fix } from './fixes.js';

export type FindingLevel = 'error' | 'warning' | 'info';

/** One thing the doctor found, with the fix in the words of the proxy concerned. */
export interface Finding {
  readonly level: FindingLevel;
  readonly code: string;
  readonly message: string;
  readonly peer?: string;
  readonly fix?: Fix;
}

/** What a peer has sent lately, as the doctor and the settings page show it. */
export interface PeerSummary {
  readonly ip: string;
  readonly trusted: boolean;
  readonly proxy: ProxyKind;
  readonly requests: number;
  readonly connections: number;
  readonly requestsPerConnection: number;
  readonly hosts: readonly string[];
  readonly lastSeen: string;
}

export interface DoctorInput {
  readonly config: Config;
  readonly portal: URL;
  /** Whether session cookies carry Secure. */
  readonly secureCookies: boolean;
  readonly trustedProxies: NetworkList;
  readonly policy: AccessPolicy;
  readonly peers: readonly PeerRecord[];
  /** Ports this Gatehouse listens on. */
  readonly serverPorts: readonly number[];
  /** Provider clock minus ours, when oauth2 is configured and the provider answered. */
  readonly clockSkewMs?: number | undefined;
}

export interface DoctorReport {
  /** No errors: the wiring works as far as the doctor can tell. */
  readonly ok: boolean;
  readonly findings: readonly Finding[];
  readonly peers: readonly PeerSummary[];
}

/** Below this many checks from a peer, requests per connection say nothing yet. */
const KEEPALIVE_MIN_REQUESTS = 10;
const MAX_SKEW_MS = 30_000;

/** `previous` and `window` added up: the peer's recent past. */
function merged(peer: PeerRecord): PeerWindow {
  const w = peer.window;
  const p = peer.previous;
  if (!p) return w;
  const missing: Record<string, number> = { ...p.missing };
  for (const [name, n] of Object.entries(w.missing)) missing[name] = (missing[name] ?? 0) + n;
  const add = <K extends string>(a: Record<K, number>, b: Record<K, number>) =>
    Object.fromEntries(Object.keys(a).map((k) => [k, a[k as K] + b[k as K]])) as Record<K, number>;
  return {
    connections: w.connections + p.connections,
    requests: w.requests + p.requests,
    samples: w.samples + p.samples,
    closing: w.closing + p.closing,
    endpoints: add(w.endpoints, p.endpoints),
    kinds: add(w.kinds, p.kinds),
    missing,
    protos: add(w.protos, p.protos),
    hosts: new Set([...p.hosts, ...w.hosts]),
  };
}

function proxyOf(w: PeerWindow): ProxyKind {
  let best: ProxyKind = 'unknown';
  for (const kind of ['nginx', 'caddy', 'traefik'] as const) if (w.kinds[kind] > w.kinds[best]) best = kind;
  return best;
}

function hostOf(authority: string): string {
  return authority.replace(/:\d+$/, '');
}

function portOf(authority: string, proto: 'http' | 'https'): number {
  const port = /:(\d+)$/.exec(authority)?.[1];
  return port ? Number(port) : proto === 'https' ? 443 : 80;
}

function portalPort(portal: URL): number {
  return portal.port ? Number(portal.port) : portal.protocol === 'https:' ? 443 : 80;
}

/** The longest parent domain two hosts share, with at least two labels: browsers refuse a cookie for a TLD (or `localhost`). */
function commonParent(a: string, b: string): string | undefined {
  const x = a.split('.').reverse();
  const y = b.split('.').reverse();
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  if (n < 2) return undefined;
  return x.slice(0, n).reverse().join('.');
}

function peerFindings(input: DoctorInput, peer: PeerRecord, w: PeerWindow, proxy: ProxyKind, trusted: boolean): Finding[] {
  const findings: Finding[] = [];
  const at = { peer: peer.ip };
  if (!trusted) {
    const cidr = peer.ip.includes(':') ? `${peer.ip}/128` : `${peer.ip}/32`;
    findings.push({
      level: 'error',
      code: 'untrusted_peer',
      message: `checks come from ${peer.ip}, which is not in trustedProxies: every one is refused (400 untrusted_peer)`,
      ...at,
      fix: gatehouseFix(`gatehouse config set trustedProxies '${JSON.stringify([...input.config.trustedProxies, cidr])}'`),
    });
    // An untrusted peer's headers are never read: the rest would only be noise.
    return findings;
  }
  for (const endpoint of ['forward-auth', 'auth-request'] as const) {
    if (w.endpoints[endpoint] === 0) continue;
    for (const header of NEEDED_HEADERS[endpoint]) {
      const missing = w.missing[header] ?? 0;
      if (missing === 0) continue;
      findings.push({
        level: 'error',
        code: 'missing_header',
        message: `${missing} of ${w.samples} sampled checks to /api/authz/${endpoint} lack ${header}: they are refused (400)`,
        ...at,
        fix: proxyFix('missing_header', proxy),
      });
    }
  }
  const perConnection = w.requests / Math.max(1, w.connections);
  if (w.requests >= KEEPALIVE_MIN_REQUESTS && (perConnection < 2 || w.closing > w.samples / 2)) {
    findings.push({
      level: 'error',
      code: 'no_keepalive',
      message: `${peer.ip} opens a new connection for every check (${perConnection.toFixed(1)} checks per connection${w.closing > 0 ? `, ${w.closing} of ${w.samples} sampled checks asked to close` : ''}): that costs most of a check's time`,
      ...at,
      fix: proxyFix('no_keepalive', proxy),
    });
  }
  const portalHost = input.portal.hostname.toLowerCase();
  const hosts = [...w.hosts].map(hostOf);
  if (hosts.includes(portalHost)) {
    findings.push({
      level: 'error',
      code: 'login_loop',
      message: `the portal's own host ${portalHost} is checked by Gatehouse: the login page needs a login (a login loop)`,
      ...at,
      fix: proxyFix('login_loop', proxy),
    });
  }
  const cookieDomain = input.config.session.cookieDomain;
  for (const host of new Set(hosts)) {
    if (host === portalHost) continue;
    const covered = cookieDomain ? isWithinDomain(host, cookieDomain) : false;
    if (covered) continue;
    const parent = commonParent(host, portalHost);
    const scope = cookieDomain ? `the cookie domain ${cookieDomain}` : `the session cookie (host-only, for ${portalHost}: session.cookieDomain is not set)`;
    findings.push({
      level: 'error',
      code: 'cookie_domain',
      message: `${scope} does not cover ${host}: a browser signed in at the portal is still anonymous there`,
      ...at,
      fix: gatehouseFix(
        parent
          ? `gatehouse config set session.cookieDomain ${parent}`
          : `the portal (${portalHost}) and ${host} share no parent domain: put the portal beside the apps (auth.<their domain>) and set session.cookieDomain to that domain`,
      ),
    });
  }
  if (input.secureCookies && w.protos.http > 0) {
    findings.push({
      level: 'error',
      code: 'insecure_proto',
      message: `${w.protos.http} sampled checks say the app is served over http, but session cookies are Secure: browsers never send them there`,
      ...at,
      fix: proxyFix('insecure_proto', proxy),
    });
  }
  return findings;
}

function configFindings(input: DoctorInput, summaries: readonly PeerSummary[], peerPorts: ReadonlySet<number>): Finding[] {
  const findings: Finding[] = [];
  if (input.config.mode === 'open') {
    findings.push({
      level: 'warning',
      code: 'open_mode',
      message: 'open mode: Gatehouse lets everyone in, as an administrator',
      fix: gatehouseFix('gatehouse user add admin --role admin --password-stdin\ngatehouse mode set userPassword'),
    });
  }
  if (summaries.length === 0) {
    findings.push({
      level: 'warning',
      code: 'no_checks',
      message: 'no forward-auth checks seen in the last 20 minutes: is the proxy pointed at Gatehouse? (open a protected app, then run the doctor again)',
      fix: gatehouseFix('Traefik and Caddy: http://gatehouse:9092/api/authz/forward-auth\nnginx: auth_request to a location that proxies http://gatehouse:9092/api/authz/auth-request'),
    });
  }
  if (input.clockSkewMs !== undefined && Math.abs(input.clockSkewMs) > MAX_SKEW_MS) {
    findings.push({
      level: 'warning',
      code: 'clock_skew',
      message: `this machine's clock is ${Math.round(Math.abs(input.clockSkewMs) / 1000)} s ${input.clockSkewMs > 0 ? 'behind' : 'ahead of'} the OIDC provider's: ID tokens may look expired or not yet valid`,
      fix: gatehouseFix('timedatectl set-ntp true   # or run chrony / systemd-timesyncd'),
    });
  }
  const port = portalPort(input.portal);
  const answering = new Set([...input.serverPorts, ...peerPorts]);
  if (answering.size > 0 && !answering.has(port) && (summaries.length > 0 || isLocal(input.portal.hostname))) {
    findings.push({
      level: 'warning',
      code: 'portal_port',
      message: `the portal URL ${input.portal.origin} is on port ${port}, but Gatehouse listens on ${input.serverPorts.join(', ') || 'no known port'}${peerPorts.size > 0 ? ` and its proxies answer on ${[...peerPorts].join(', ')}` : ''}: login links lead nowhere`,
      fix: gatehouseFix(`GATEHOUSE_PORTAL_URL=${input.portal.protocol}//${input.portal.hostname}:${[...answering][0]}   # or: gatehouse config set portalUrl …`),
    });
  }
  for (const rule of input.policy.rules) {
    if (!rule.foldsCase || !input.config.rules[rule.index]?.path) continue;
    findings.push({
      level: 'info',
      code: 'case_folding',
      message: `${rule.label} (${rule.policy}) also matches its path in other letter case (/ADMIN for /admin): apps often route them alike, so a restrictive rule never lets a case variant through`,
    });
  }
  return findings;
}

function isLocal(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** Judges the wiring from the checks seen and the config. Pure: the caller gathers the facts. */
export function diagnose(input: DoctorInput): DoctorReport {
  const findings: Finding[] = [];
  const summaries: PeerSummary[] = [];
  const peerPorts = new Set<number>();
  for (const peer of input.peers) {
    const w = merged(peer);
    const proxy = proxyOf(w);
    const trusted = input.trustedProxies.has(peer.ip);
    findings.push(...peerFindings(input, peer, w, proxy, trusted));
    if (trusted) for (const authority of w.hosts) peerPorts.add(portOf(authority, w.protos.https > w.protos.http ? 'https' : 'http'));
    summaries.push({
      ip: peer.ip,
      trusted,
      proxy,
      requests: w.requests,
      connections: w.connections,
      requestsPerConnection: Math.round((w.requests / Math.max(1, w.connections)) * 10) / 10,
      hosts: [...w.hosts],
      lastSeen: new Date(peer.lastSeen).toISOString(),
    });
  }
  findings.push(...configFindings(input, summaries, peerPorts));
  return { ok: !findings.some((f) => f.level === 'error'), findings, peers: summaries };
}
