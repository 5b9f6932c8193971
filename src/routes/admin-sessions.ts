import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { clientIp } from '../http/client-ip.js';
import { requireAdmin } from '../http/require-admin.js';
import { sendApiError } from '../http/request-principal.js';
import { sessionView } from './auth-api.js';

/** Admins list and end anyone's sessions. */
export function adminSessionRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: { user?: string } }>('/api/admin/sessions', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, false);
    if (!caller) return reply;
    const user = request.query.user;
    const sessions = ctx.sessions.list((s) => user === undefined || s.principal.username === user);
    return reply.header('cache-control', 'no-store').send({ sessions: sessions.map((s) => sessionView(s, caller.session?.id ?? null)) });
  });

  app.delete<{ Params: { id: string } }>('/api/admin/sessions/:id', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller) return reply;
    const target = ctx.sessions.get(request.params.id);
    if (!target) return sendApiError(reply, 404, 'not_found', 'no such session');
    await ctx.sessions.revoke(target.id);
    await ctx.audit.record({ event: 'session.revoke', actor: caller.principal.username, target: target.principal.username, ip: clientIp(request, rt.trustedProxies) });
    return reply.header('cache-control', 'no-store').send({ ok: true });
  });
}
