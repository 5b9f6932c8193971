import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { RulesBody, TryRequestBody } from '../../admin/schemas.js';
import { tryRequest } from '../../admin/try-request.js';
import { InvalidDocumentError } from '../../../config/document-store.js';
import { parseBody } from '../../http/parse-body.js';
import { requireAdmin } from '../../http/require-admin.js';
import { requireStepUp } from '../../http/require-step-up.js';
import { sendApiError } from '../../http/request-principal.js';

/** Access rules: read, replace the ordered list (validated as a whole), and "try a request". */
export function adminRuleRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/admin/rules', async (request, reply) => {
    const rt = ctx.runtime();
    if (!(await requireAdmin(ctx, request, reply, rt, false))) return reply;
    return reply.header('cache-control', 'no-store').send({ rules: rt.config.rules, defaultPolicy: rt.config.defaultPolicy, domains: rt.config.domains });
  });

  // Rules decide who gets into every app: replacing them is as sensitive as a mode switch.
  app.put('/api/admin/rules', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !requireStepUp(ctx, reply, rt, caller)) return reply;
    const body = parseBody(RulesBody, request, reply);
    if (!body) return reply;
    try {
      const next = await ctx.config.update((config) => ({ ...config, rules: body.rules, defaultPolicy: body.defaultPolicy ?? config.defaultPolicy }));
      await ctx.audit.record({ event: 'rules.update', actor: caller.principal.username, details: { count: next.rules.length, defaultPolicy: next.defaultPolicy } });
      return reply.header('cache-control', 'no-store').send({ rules: next.rules, defaultPolicy: next.defaultPolicy });
    } catch (error) {
      if (error instanceof InvalidDocumentError) return sendApiError(reply, 400, 'invalid_rules', error.problems.join('; '));
      throw error;
    }
  });

  app.post('/api/admin/rules/try', async (request, reply) => {
    const rt = ctx.runtime();
    if (!(await requireAdmin(ctx, request, reply, rt, true))) return reply;
    const body = parseBody(TryRequestBody, request, reply);
    if (!body) return reply;
    const result = tryRequest(ctx, rt, body);
    return result.ok ? reply.header('cache-control', 'no-store').send(result) : sendApiError(reply, 400, result.error, result.message);
  });
}
