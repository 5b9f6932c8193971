import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isHostname } from '../../config/hostname.js';
import { isDuration, parseDuration } from '../../config/duration.js';
import { ROLES } from '../../strategies/types.js';
import type { AppContext } from '../app-context.js';
import { clientIp } from '../http/client-ip.js';
import { identifyCaller, sendApiError } from '../http/request-principal.js';
import { requireStepUp } from '../http/require-step-up.js';
import { TokenError, tokenView } from '../tokens/token-service.js';
import { refuseCrossSiteJson } from './auth-api.js';

export const NewTokenSchema = z.strictObject({
  name: z.string().min(1).max(100),
  role: z.enum(ROLES).optional(),
  expires: z.string().refine(isDuration, 'a duration like 30d').optional(),
  domains: z.array(z.string().refine(isHostname, 'a host name')).optional(),
});

/** A signed-in user's own API tokens: list, create (step-up), revoke. */
export function tokensApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  async function localCaller(request: Parameters<typeof identifyCaller>[1], reply: Parameters<typeof sendApiError>[0]) {
    const rt = ctx.runtime();
    const caller = await identifyCaller(ctx, request, rt);
    const user = caller?.principal.id.startsWith('local:') ? ctx.users.findById(caller.principal.id.slice(6)) : undefined;
    if (!caller || !user) {
      sendApiError(reply, 401, 'authentication_required', 'sign in with a local account');
      return null;
    }
    return { rt, caller, user };
  }

  app.get('/api/auth/tokens', async (request, reply) => {
    const found = await localCaller(request, reply);
    if (!found) return reply;
    return reply.header('cache-control', 'no-store').send({ tokens: ctx.tokens.list(found.user.id).map((t) => tokenView(t, found.user.username)) });
  });

  app.post('/api/auth/tokens', async (request, reply) => {
    const rt = ctx.runtime();
    if (refuseCrossSiteJson(request, reply, rt.portal.origin)) return reply;
    const found = await localCaller(request, reply);
    if (!found) return reply;
    // Only an interactive session mints tokens: never a token, never a partial login.
    if (!found.caller.session) return sendApiError(reply, 403, 'interactive_session_required', 'create tokens from a signed-in browser session');
    if (!requireStepUp(ctx, reply, rt, found.caller)) return reply;
    const parsed = NewTokenSchema.safeParse(request.body);
    if (!parsed.success) return sendApiError(reply, 400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    try {
      const { token, record } = await ctx.tokens.create(
        found.user,
        { name: parsed.data.name, role: parsed.data.role, expiresInMs: parsed.data.expires ? parseDuration(parsed.data.expires) : null, domains: parsed.data.domains },
        { name: found.user.username, ip: clientIp(request, rt.trustedProxies) },
      );
      return reply.code(201).header('cache-control', 'no-store').send({ token, ...tokenView(record, found.user.username), note: 'shown once: store it now' });
    } catch (error) {
      if (error instanceof TokenError) return sendApiError(reply, 400, error.code, error.message);
      throw error;
    }
  });

  app.delete<{ Params: { id: string } }>('/api/auth/tokens/:id', async (request, reply) => {
    const rt = ctx.runtime();
    if (refuseCrossSiteJson(request, reply, rt.portal.origin)) return reply;
    const found = await localCaller(request, reply);
    if (!found) return reply;
    const token = ctx.tokens.get(request.params.id);
    if (!token || token.userId !== found.user.id) return sendApiError(reply, 404, 'not_found', 'no such token');
    await ctx.tokens.revoke(token.id, { name: found.user.username, ip: clientIp(request, rt.trustedProxies) });
    return reply.header('cache-control', 'no-store').send({ ok: true });
  });
}
