import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { EmptyBody, RequireTwoFactorBody } from '../admin/schemas.js';
import { clientIp } from '../http/client-ip.js';
import { parseBody } from '../http/parse-body.js';
import { requireAdmin } from '../http/require-admin.js';
import { requireStepUp } from '../http/require-step-up.js';
import { sendApiError } from '../http/request-principal.js';
import type { SessionRecord } from '../sessions/session-record.js';

/** Admin view and control of a user's second factors. */
export function adminMfaRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { name: string } }>('/api/admin/users/:name/mfa', async (request, reply) => {
    const rt = ctx.runtime();
    if (!(await requireAdmin(ctx, request, reply, rt, false))) return reply;
    const user = ctx.users.find(request.params.name);
    if (!user) return sendApiError(reply, 404, 'not_found', 'no such user');
    return reply.header('cache-control', 'no-store').send({ user: user.username, requires2fa: user.requires2fa, ...ctx.mfa.status(user.id) });
  });

  app.post<{ Params: { name: string } }>('/api/admin/users/:name/reset-2fa', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !requireStepUp(ctx, reply, rt, caller)) return reply;
    if (!parseBody(EmptyBody, request, reply)) return reply;
    const user = ctx.users.find(request.params.name);
    if (!user) return sendApiError(reply, 404, 'not_found', 'no such user');
    const theirs = (s: SessionRecord) => s.principal.id === `local:${user.id}`;
    // Wiping the factors already ends these sessions (the store listener in mfa/mfa-sessions.ts), so count them first.
    const ended = ctx.sessions.list(theirs).length;
    await ctx.mfa.reset(user, { actor: caller.principal.username, ip: clientIp(request, rt.trustedProxies) });
    await ctx.sessions.revokeWhere(theirs);
    return reply.header('cache-control', 'no-store').send({ ok: true, sessionsEnded: ended });
  });

  app.put<{ Params: { name: string } }>('/api/admin/users/:name/require-2fa', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !requireStepUp(ctx, reply, rt, caller)) return reply;
    const body = parseBody(RequireTwoFactorBody, request, reply);
    if (!body) return reply;
    const { required } = body;
    const user = ctx.users.find(request.params.name);
    if (!user) return sendApiError(reply, 404, 'not_found', 'no such user');
    await ctx.users.setRequires2fa(user.username, required, { name: caller.principal.username, ip: clientIp(request, rt.trustedProxies) });
    return reply.header('cache-control', 'no-store').send({ ok: true, requires2fa: required });
  });
}
