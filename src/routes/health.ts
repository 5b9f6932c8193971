import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';

export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/health', async (_request, reply) => {
    const rt = ctx.runtime();
    reply.header('cache-control', 'no-store');
    return { status: 'ok', mode: rt.config.mode };
  });
}
