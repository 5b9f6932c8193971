import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { clientIp } from '../http/client-ip.js';
import type { Gauge } from '../metrics/metrics.js';
import { AUTH_MODES } from '../../strategies/types.js';

/**
 * `GET /metrics` for Prometheus. Answered only to scrapers whose address is in
 * `metrics.networks` (loopback and private ranges by default). The address is the client's
 * as a trusted proxy reports it, not the proxy's own: the proxy in front of the portal
 * always connects from a private address, so judging the connection would open /metrics
 * to the whole internet through it. Counts and sizes only: no usernames, hosts, tokens or
 * addresses.
 */
export function metricsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/metrics', async (request, reply) => {
    const rt = ctx.runtime();
    reply.header('cache-control', 'no-store');
    if (!rt.config.metrics.enabled) return reply.code(404).send({ error: 'not_found' });
    if (!rt.metricsNetworks.has(clientIp(request, rt.trustedProxies))) {
      return reply.code(403).send({ error: 'metrics_forbidden', message: 'this address is not in metrics.networks' });
    }
    const now = ctx.now();
    const store = ctx.storeHealth.status();
    const users = ctx.users.list();
    const enabled = users.filter((u) => !u.disabled).length;
    const gauges: Gauge[] = [
      { name: 'gatehouse_mode', help: 'The authentication mode in force (1 for the current one).', values: AUTH_MODES.map((mode) => ({ labels: { mode }, value: mode === rt.config.mode ? 1 : 0 })) },
      { name: 'gatehouse_sessions', help: 'Signed-in sessions that have not expired.', values: [{ value: ctx.sessions.list((s) => s.expiresAt > now).length }] },
      { name: 'gatehouse_users', help: 'Local accounts, by state.', values: [{ labels: { state: 'enabled' }, value: enabled }, { labels: { state: 'disabled' }, value: users.length - enabled }] },
      { name: 'gatehouse_bans', help: 'Active brute-force bans (accounts and client addresses).', values: [{ value: ctx.regulator.activeBans().length }] },
      { name: 'gatehouse_store_up', help: 'Whether the state store answers (1) or not (0), by store (embedded or redis).', values: [{ labels: { store: store.store }, value: store.up ? 1 : 0 }] },
      { name: 'process_resident_memory_bytes', help: 'Resident memory of the Gatehouse process.', values: [{ value: process.memoryUsage.rss() }] },
    ];
    if (rt.config.mode === 'oauth2') {
      const state = ctx.oidc.connection(rt.config.oauth2).status().state;
      gauges.push({ name: 'gatehouse_oidc_provider_ready', help: 'Whether the OpenID provider has been discovered (1) or not (0).', values: [{ value: state === 'ready' ? 1 : 0 }] });
    }
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(ctx.metrics.render(gauges));
  });
}
