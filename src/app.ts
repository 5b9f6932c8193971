import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { createAppContext, type AppContext, type AppDeps } from './app-context.js';
import { TOKEN_IN_TEXT } from './tokens/token-service.js';
import { checkEndpointOf, forwardAuthRoutes } from './routes/forward-auth.js';
import { createCheckHandler } from './authz/check-handler.js';
import { checkFirstServerFactory } from './http/check-first-server.js';
import { RequestLogger, requestLogger } from './http/request-logger.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { portalRoutes } from './routes/portal.js';
import { assetRoutes } from './routes/assets.js';
import { authApiRoutes } from './routes/auth-api.js';
import { adminSessionRoutes } from './routes/admin-sessions.js';
import { profileRoutes } from './routes/profile.js';
import { login2faRoutes } from './routes/login-2fa.js';
import { profile2faRoutes } from './routes/profile-2fa.js';
import { tokensApiRoutes } from './routes/tokens-api.js';
import { adminMfaRoutes } from './routes/admin-mfa.js';
import { adminUserRoutes } from './routes/admin/users.js';
import { adminModeRoutes } from './routes/admin/mode.js';
import { adminRuleRoutes } from './routes/admin/rules.js';
import { adminSecurityRoutes } from './routes/admin/security.js';
import { adminOidcRoutes } from './routes/admin/oidc.js';
import { adminAuditRoutes } from './routes/admin/audit.js';
import { adminTokenRoutes } from './routes/admin/tokens.js';
import { adminDoctorRoutes } from './routes/admin/doctor.js';
import { oidcRoutes } from './routes/oidc.js';
import { passkeyRoutes } from './routes/passkeys.js';
import { settingsRoutes } from './routes/settings.js';
import { isStoreUnavailable } from './backend/store-unavailable.js';
import { sendStoreUnavailable } from './http/store-unavailable-reply.js';

/**
 * Builds the Fastify app without listening, so tests drive it with
 * `app.inject()` and boot code decides where it listens.
 */
export async function buildApp(deps: AppDeps, ctx: AppContext = createAppContext(deps)): Promise<FastifyInstance> {
  const handleCheck = createCheckHandler(ctx);
  const log = deps.log as FastifyBaseLogger;
  let checkIds = 0;
  const checkBindings = (id: number) => () => ({ reqId: `check-${id.toString(36)}` });
  // While closing, checks go to Fastify too, which answers 503 (return503OnClosing).
  let closing = false;
  const app: FastifyInstance = Fastify({
    serverFactory: checkFirstServerFactory((req, res) => {
      const endpoint = closing ? undefined : checkEndpointOf(req);
      if (!endpoint) return false;
      handleCheck(req, res, endpoint, new RequestLogger(log, checkBindings(++checkIds)));
      return true;
    }),
    loggerInstance: log,
    // One log line per request would dominate the forward-auth hot path; decisions log themselves.
    logController: new LogController({ disableRequestLogging: true }),
    // Log lines still carry the request id (reqId); the child logger holding it is built lazily.
    childLoggerFactory: requestLogger,
    // Never trust X-Forwarded-For globally: only the check endpoints read it, behind the trusted-peer check.
    trustProxy: false,
    bodyLimit: 64 * 1024,
    requestIdHeader: false,
    return503OnClosing: true,
  });
  await app.register(formbody);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // An outage of the shared store is not a bug: 503 with a clear answer, logged once by StoreHealth.
    if (isStoreUnavailable(error)) return sendStoreUnavailable(request, reply);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    reply.header('cache-control', 'no-store');
    return reply.code(status).send({ error: status >= 500 ? 'internal_error' : (error as { code?: string }).code ?? 'bad_request', message: status >= 500 ? 'internal error' : error.message });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).header('cache-control', 'no-store').send({ error: 'not_found' }));
  app.addHook('preClose', async () => {
    closing = true;
  });
  // The hot path sits at the root, free of hooks; everything else is one encapsulated plugin.
  forwardAuthRoutes(app, handleCheck);
  await app.register(async (portal) => {
    // Gatehouse's own routes never take a token from the URL (it would land in logs and Referer headers).
    portal.addHook('onRequest', async (request, reply) => {
      if (request.url.includes('gh_') && TOKEN_IN_TEXT.test(request.url)) {
        return reply.code(400).header('cache-control', 'no-store').send({ error: 'token_in_url', message: 'send API tokens in the Authorization header, never in the URL' });
      }
    });
    healthRoutes(portal, ctx);
    metricsRoutes(portal, ctx);
    portalRoutes(portal, ctx);
    assetRoutes(portal);
    authApiRoutes(portal, ctx);
    adminSessionRoutes(portal, ctx);
    profileRoutes(portal, ctx);
    login2faRoutes(portal, ctx);
    profile2faRoutes(portal, ctx);
    tokensApiRoutes(portal, ctx);
    adminMfaRoutes(portal, ctx);
    adminUserRoutes(portal, ctx);
    adminModeRoutes(portal, ctx);
    adminRuleRoutes(portal, ctx);
    adminSecurityRoutes(portal, ctx);
    adminOidcRoutes(portal, ctx);
    adminAuditRoutes(portal, ctx);
    adminTokenRoutes(portal, ctx);
    adminDoctorRoutes(portal, ctx);
    oidcRoutes(portal, ctx);
    passkeyRoutes(portal, ctx);
    settingsRoutes(portal, ctx);
  });
  return app;
}
