import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app-context.js';
import { requireAdmin } from '../../http/require-admin.js';
import { sendApiError } from '../../http/request-principal.js';

const AuditQuery = z.strictObject({
  user: z.string().max(64).optional(),
  event: z.string().max(64).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

/** The audit log: filter by user, event (prefix), time; newest first; paged. */
export function adminAuditRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/admin/audit', async (request, reply) => {
    if (!(await requireAdmin(ctx, request, reply, ctx.runtime(), false))) return reply;
    const parsed = AuditQuery.safeParse(request.query);
    if (!parsed.success) return sendApiError(reply, 400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const q = parsed.data;
    const since = q.since ? Date.parse(q.since) : -Infinity;
    const until = q.until ? Date.parse(q.until) : Infinity;
    const events = (await ctx.audit.read())
      .filter((e) => (q.user === undefined || e.actor === q.user || e.target === q.user) && (q.event === undefined || e.event === q.event || e.event.startsWith(`${q.event}.`)))
      .filter((e) => {
        const t = Date.parse(e.time);
        return t >= since && t <= until;
      })
      .reverse();
    const start = (q.page - 1) * q.pageSize;
    return reply.header('cache-control', 'no-store').send({ total: events.length, page: q.page, pageSize: q.pageSize, events: events.slice(start, start + q.pageSize) });
  });
}
