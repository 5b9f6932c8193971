import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { createAppContext, type AppDeps } from './app-context.js';
import { forwardAuthRoutes } from './routes/forward-auth.js';
import { healthRoutes } from './routes/health.js';
import { portalRoutes } from './routes/portal.js';
import { assetRoutes } from './routes/assets.js';
import { authApiRoutes } from './routes/auth-api.js';
import { adminSessionRoutes } from './routes/admin-sessions.js';
import { profileRoutes } from './routes/profile.js';

/**
 * Builds the Fastify app without listening, so tests drive it with
 * `app.inject()` and boot code decides where it listens.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const ctx = createAppContext(deps);
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // One log line per request would dominate the forward-auth hot path; decisions log themselves.
    disableRequestLogging: true,
    // Never trust X-Forwarded-For globally: only the check endpoints read it, behind the trusted-peer check.
    trustProxy: false,
    bodyLimit: 64 * 1024,
    requestIdHeader: false,
    return503OnClosing: true,
  });
  await app.register(formbody);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    reply.header('cache-control', 'no-store');
    return reply.code(status).send({ error: status >= 500 ? 'internal_error' : (error as { code?: string }).code ?? 'bad_request', message: status >= 500 ? 'internal error' : error.message });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).header('cache-control', 'no-store').send({ error: 'not_found' }));
  forwardAuthRoutes(app, ctx);
  healthRoutes(app, ctx);
  portalRoutes(app, ctx);
  assetRoutes(app);
  authApiRoutes(app, ctx);
  adminSessionRoutes(app, ctx);
  profileRoutes(app, ctx);
  return app;
}
