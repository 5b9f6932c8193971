import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { normalizeIp } from '../../config/network.js';
import { normalizeHost, splitOriginalUrl } from '../authz/target.js';
import type { Endpoint } from '../authz/respond.js';

/** The proxy a peer looks like, from the headers it sends. */
export type ProxyKind = 'traefik' | 'nginx' | 'caddy' | 'unknown';

/** The forwarded headers each endpoint needs; the doctor reports the missing ones by name. */
export const NEEDED_HEADERS: Record<Endpoint, readonly string[]> = {
  'forward-auth': ['x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-uri', 'x-forwarded-method', 'x-forwarded-for'],
  'auth-request': ['x-original-url', 'x-original-method', 'x-forwarded-for'],
};

/** What one time window saw from one peer. Everything but `requests` comes from sampled checks. */
export interface PeerWindow {
  connections: number;
  requests: number;
  samples: number;
  /** Sampled checks sent as HTTP/1.0 or with `Connection: close`: the proxy drops the connection after each. */
  closing: number;
  endpoints: Record<Endpoint, number>;
  kinds: Record<ProxyKind, number>;
  /** Per needed header (lower-case name), sampled checks that lacked it. */
  missing: Record<string, number>;
  protos: { http: number; https: number };
  /** Forwarded host authorities (host[:port]), lower-cased, at most MAX_HOSTS. */
  hosts: Set<string>;
}

export interface PeerRecord {
  readonly ip: string;
  readonly firstSeen: number;
  lastSeen: number;
  window: PeerWindow;
  /** The window before, so a summary always covers at least one full window. */
  previous: PeerWindow | null;
  windowStart: number;
}

interface Connection {
  requests: number;
  readonly peer: PeerRecord;
}

const CONNECTION = Symbol('gatehouse.checkConnection');
type TrackedSocket = Socket & { [CONNECTION]?: Connection };

const MAX_PEERS = 64;
const MAX_HOSTS = 16;
/** Every check of a connection's first few, then one in 64: enough to see what a proxy sends. */
const SAMPLED_FIRST = 8;
const SAMPLE_MASK = 63;
export const WINDOW_MS = 10 * 60_000;

function emptyWindow(): PeerWindow {
  return {
    connections: 0,
    requests: 0,
    samples: 0,
    closing: 0,
    endpoints: { 'forward-auth': 0, 'auth-request': 0 },
    kinds: { traefik: 0, nginx: 0, caddy: 0, unknown: 0 },
    missing: {},
    protos: { http: 0, https: 0 },
    hosts: new Set(),
  };
}

function kindOf(req: IncomingMessage, endpoint: Endpoint): ProxyKind {
  const h = req.headers;
  if (endpoint === 'auth-request') return h['x-original-url'] === undefined ? 'unknown' : 'nginx';
  // Traefik's forwardAuth copies what its entry point added (X-Real-Ip, X-Forwarded-Server); Caddy adds neither.
  if (h['x-forwarded-server'] !== undefined || h['x-real-ip'] !== undefined) return 'traefik';
  return h['x-forwarded-uri'] !== undefined || h['x-forwarded-method'] !== undefined ? 'caddy' : 'unknown';
}

/**
 * A small, bounded record of who sends forward-auth checks and how: per peer address,
 * counts, which forwarded headers arrive, requests per connection. The check path calls
 * `seen` once per check; it bumps two counters, and looks at headers only for a sample
 * of checks (a proxy sends the same kind of request every time). Peers are capped
 * (least recently connected dropped first); counts live in 10-minute windows, so a fixed
 * proxy config shows as fixed within minutes.
 */
export class CheckPeers {
  private readonly peers = new Map<string, PeerRecord>();

  constructor(private readonly now: () => number = Date.now) {}

  seen(req: IncomingMessage, endpoint: Endpoint): void {
    const socket = req.socket as TrackedSocket;
    let connection = socket[CONNECTION];
    if (connection === undefined) connection = this.connect(socket);
    const n = ++connection.requests;
    // Sampling may start a new window: count the check after it, in the window it falls in.
    if (n <= SAMPLED_FIRST || (n & SAMPLE_MASK) === 0) this.sample(req, endpoint, connection.peer);
    connection.peer.window.requests++;
  }

  /** Peers seen within the last two windows, most recent first. */
  list(): PeerRecord[] {
    const now = this.now();
    const recent = [...this.peers.values()].filter((peer) => now - peer.lastSeen < 2 * WINDOW_MS);
    for (const peer of recent) this.rotate(peer, now);
    return recent.sort((a, b) => b.lastSeen - a.lastSeen);
  }

  /** Forgets everything seen so far (after a proxy config change, to judge only what follows). */
  clear(): void {
    this.peers.clear();
  }

  private connect(socket: TrackedSocket): Connection {
    const ip = normalizeIp(socket.remoteAddress ?? '');
    const now = this.now();
    let peer = this.peers.get(ip);
    if (peer === undefined) {
      if (this.peers.size >= MAX_PEERS) this.peers.delete(this.peers.keys().next().value!);
      peer = { ip, firstSeen: now, lastSeen: now, window: emptyWindow(), previous: null, windowStart: now };
    } else {
      this.peers.delete(ip);
      this.rotate(peer, now);
    }
    // Map order is insertion order: re-inserting keeps the least recently connected first.
    this.peers.set(ip, peer);
    peer.lastSeen = now;
    peer.window.connections++;
    const connection: Connection = { requests: 0, peer };
    socket[CONNECTION] = connection;
    return connection;
  }

  private rotate(peer: PeerRecord, now: number): void {
    if (now - peer.windowStart < WINDOW_MS) return;
    peer.previous = now - peer.windowStart < 2 * WINDOW_MS ? peer.window : null;
    peer.window = emptyWindow();
    peer.windowStart = now;
  }

  private sample(req: IncomingMessage, endpoint: Endpoint, peer: PeerRecord): void {
    const now = this.now();
    this.rotate(peer, now);
    peer.lastSeen = now;
    const w = peer.window;
    const h = req.headers;
    w.samples++;
    w.endpoints[endpoint]++;
    w.kinds[kindOf(req, endpoint)]++;
    if (req.httpVersion === '1.0' || h.connection?.toLowerCase() === 'close') w.closing++;
    for (const name of NEEDED_HEADERS[endpoint]) if (h[name] === undefined) w.missing[name] = (w.missing[name] ?? 0) + 1;
    let proto: string | undefined;
    let host: string | undefined;
    if (endpoint === 'forward-auth') {
      proto = single(h['x-forwarded-proto']);
      host = single(h['x-forwarded-host']);
    } else {
      const url = single(h['x-original-url']);
      const parts = url === undefined ? null : splitOriginalUrl(url);
      proto = parts?.proto;
      host = parts?.host;
    }
    if (proto === 'http' || proto === 'https') w.protos[proto]++;
    const normalized = host === undefined ? null : normalizeHost(host);
    if (normalized && w.hosts.size < MAX_HOSTS) w.hosts.add(normalized.authority);
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && !value.includes(',') ? value : undefined;
}
