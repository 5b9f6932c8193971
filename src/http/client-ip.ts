import type { FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import { normalizeIp, type NetworkList } from '../../config/network.js';

/**
 * The client's address for portal routes (login regulation, audit). Behind a
 * trusted proxy it is the last X-Forwarded-For hop the proxy added; from
 * anyone else X-Forwarded-For is ignored, since a client can write anything there.
 */
export function clientIp(request: FastifyRequest, trustedProxies: NetworkList): string {
  const peer = normalizeIp(request.socket.remoteAddress ?? '');
  if (!trustedProxies.has(peer)) return peer;
  const header = request.headers['x-forwarded-for'];
  if (typeof header !== 'string') return peer;
  const hops = header.split(',').map((h) => normalizeIp(h.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) return peer;
    if (!trustedProxies.has(hop)) return hop;
  }
  return hops[0] ?? peer;
}
