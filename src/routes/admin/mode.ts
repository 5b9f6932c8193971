import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { EmptyBody, ModeSwitchBody } from '../../admin/schemas.js';
import { ModeSwitchError } from '../../admin/mode-switcher.js';
import { parseBody } from '../../http/parse-body.js';
import { requireAdmin } from '../../http/require-admin.js';
import { requireStepUp } from '../../http/require-step-up.js';
import { sendApiError } from '../../http/request-principal.js';

const MODE_DESCRIPTIONS = {
  open: 'No authentication: everyone who reaches Gatehouse is an administrator. Only for a first run on a trusted network.',
  token: 'One instance token unlocks admin access (Authorization: Bearer, or exchanged for a cookie on the login page).',
  userPassword: 'Local users with passwords and roles (admin, editor, viewer), optional two-factor authentication.',
  oauth2: 'Sign-in through an OpenID Connect provider; its groups decide the role. Local admins can stay as break-glass.',
};

/** Mode: what is in force, a preflight, the switch, and its confirmation (commit-confirm). */
export function adminModeRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/admin/mode', async (request, reply) => {
    if (!(await requireAdmin(ctx, request, reply, ctx.runtime(), false))) return reply;
    const pending = ctx.modeSwitcher.pending();
    return reply.header('cache-control', 'no-store').send({
      mode: ctx.runtime().config.mode,
      modes: MODE_DESCRIPTIONS,
      pending: pending && { ...pending, at: new Date(pending.at).toISOString(), deadline: new Date(pending.deadline).toISOString() },
    });
  });

  app.post('/api/admin/mode/preflight', async (request, reply) => {
    const rt = ctx.runtime();
    if (!(await requireAdmin(ctx, request, reply, rt, true))) return reply;
    const body = parseBody(ModeSwitchBody, request, reply);
    if (!body) return reply;
    return reply.header('cache-control', 'no-store').send(ctx.modeSwitcher.preflight(body.mode, body.confirmation));
  });

  app.post('/api/admin/mode', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !requireStepUp(ctx, reply, rt, caller)) return reply;
    const body = parseBody(ModeSwitchBody, request, reply);
    if (!body) return reply;
    try {
      const pending = await ctx.modeSwitcher.switchTo(body.mode, caller.principal.username, body.confirmation);
      return reply.header('cache-control', 'no-store').send({ pending: { ...pending, at: new Date(pending.at).toISOString(), deadline: new Date(pending.deadline).toISOString() }, next: `${rt.portal.origin}/login` });
    } catch (error) {
      if (error instanceof ModeSwitchError) return reply.code(409).header('cache-control', 'no-store').send({ error: error.code, message: error.message, problems: error.problems });
      throw error;
    }
  });

  app.post('/api/admin/mode/confirm', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !parseBody(EmptyBody, request, reply)) return reply;
    try {
      // The caller was identified under the mode now in force: that is what "valid under the new mode" means.
      await ctx.modeSwitcher.confirm(caller.principal.username, rt.config.mode);
      return reply.header('cache-control', 'no-store').send({ ok: true, mode: rt.config.mode });
    } catch (error) {
      if (error instanceof ModeSwitchError) return sendApiError(reply, 409, error.code, error.message);
      throw error;
    }
  });
}
