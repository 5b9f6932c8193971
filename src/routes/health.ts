import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';

/**
 * `{status, mode, store?}`. While the state store (Redis) is unreachable the
 * answer is HTTP 503 `degraded` with `store.up: false`: logins and admin
 * changes cannot work there, so a load balancer should send people elsewhere.
 * In oauth2 mode `status` is `degraded` (still HTTP 200)
 * until the provider has been discovered, with `oidc.state` saying why: the
 * portal keeps serving existing sessions and break-glass admins meanwhile, so
 * a container health check must not take it out of rotation.
 */
export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/health', async (_request, reply) => {
    const rt = ctx.runtime();
    reply.header('cache-control', 'no-store');
    const status = ctx.storeHealth.status();
    // The embedded store lives in this process: only a shared one is worth reporting.
    const store = status.store === 'embedded' ? {} : { store: status };
    if (!status.up) return reply.code(503).send({ status: 'degraded', mode: rt.config.mode, ...store });
    if (rt.config.mode !== 'oauth2') return { status: 'ok', mode: rt.config.mode, ...store };
    const provider = ctx.oidc.connection(rt.config.oauth2).status();
    const oidc = provider.state === 'unreachable' ? { state: provider.state, reason: provider.reason, attempts: provider.attempts } : { state: provider.state };
    return { status: provider.state === 'ready' ? 'ok' : 'degraded', mode: rt.config.mode, ...store, oidc };
  });
}
