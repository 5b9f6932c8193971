import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { SecurityBody, UnbanBody } from '../../admin/schemas.js';
import { InvalidDocumentError } from '../../../config/document-store.js';
import { clientIp } from '../../http/client-ip.js';
import { parseBody } from '../../http/parse-body.js';
import { requireAdmin } from '../../http/require-admin.js';
import { requireStepUp } from '../../http/require-step-up.js';
import { sendApiError } from '../../http/request-principal.js';

/** Security settings (2FA for admins, regulation, session timeouts, step-up window) and bans. */
export function adminSecurityRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/admin/security', async (request, reply) => {
    const rt = ctx.runtime();
    if (!(await requireAdmin(ctx, request, reply, rt, false))) return reply;
    const { requireTfaForAdmin, stepUpWindow, regulation } = rt.config.security;
    return reply.header('cache-control', 'no-store').send({ requireTfaForAdmin, stepUpWindow, regulation, session: { ttl: rt.config.session.ttl, idle: rt.config.session.idle } });
  });

  app.put('/api/admin/security', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !requireStepUp(ctx, reply, rt, caller)) return reply;
    const body = parseBody(SecurityBody, request, reply);
    if (!body) return reply;
    try {
      const next = await ctx.config.update((config) => ({
        ...config,
        security: {
          ...config.security,
          ...(body.requireTfaForAdmin === undefined ? {} : { requireTfaForAdmin: body.requireTfaForAdmin }),
          ...(body.stepUpWindow === undefined ? {} : { stepUpWindow: body.stepUpWindow }),
          regulation: { ...config.security.regulation, ...body.regulation },
        },
        session: { ...config.session, ...body.session },
      }));
      await ctx.audit.record({ event: 'security.update', actor: caller.principal.username, ip: clientIp(request, rt.trustedProxies), details: { fields: Object.keys(body).join(',') } });
      const { requireTfaForAdmin, stepUpWindow, regulation } = next.security;
      return reply.header('cache-control', 'no-store').send({ requireTfaForAdmin, stepUpWindow, regulation, session: { ttl: next.session.ttl, idle: next.session.idle } });
    } catch (error) {
      if (error instanceof InvalidDocumentError) return sendApiError(reply, 400, 'invalid_settings', error.problems.join('; '));
      throw error;
    }
  });

  app.get('/api/admin/bans', async (request, reply) => {
    if (!(await requireAdmin(ctx, request, reply, ctx.runtime(), false))) return reply;
    const bans = ctx.regulator.activeBans().map((b) => ({ kind: b.kind, key: b.key, until: new Date(b.until).toISOString() }));
    return reply.header('cache-control', 'no-store').send({ bans });
  });

  // Lifting a ban lifts a protection, so it needs a recent second factor; revoking sessions
  // and tokens only takes access away, and stays one click in an emergency.
  app.post('/api/admin/bans/unban', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !requireStepUp(ctx, reply, rt, caller)) return reply;
    const body = parseBody(UnbanBody, request, reply);
    if (!body) return reply;
    const lifted = await ctx.liftBan(body.subject);
    if (!lifted) return sendApiError(reply, 404, 'not_banned', `no active ban for ${body.subject}`);
    await ctx.audit.record({ event: 'regulation.unban', actor: caller.principal.username, target: body.subject, ip: clientIp(request, rt.trustedProxies) });
    return reply.header('cache-control', 'no-store').send({ ok: true });
  });
}
