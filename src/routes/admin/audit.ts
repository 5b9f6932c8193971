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

/** The audit log: filter by user, event (prefix), time; newest first; paged, reading from the newest end. */
export function adminAuditRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/admin/audit', async (request, reply) => {
    if (!(await requireAdmin(ctx, request, reply, ctx.runtime(), false))) return reply;
    const parsed = AuditQuery.safeParse(request.query);
    if (!parsed.success) return sendApiError(reply, 400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const q = parsed.data;
    const since = q.since ? Date.parse(q.since) : -Infinity;
    const until = q.until ? Date.parse(q.until) : Infinity;
    const start = (q.page - 1) * q.pageSize;
    // Read back from the newest end only as far as this page needs: a large log never loads whole.
    const { events, total, complete } = await ctx.audit.newest({
      match: (e) => {
        if (q.user !== undefined && e.actor !== q.user && e.target !== q.user) return false;
        if (q.event !== undefined && e.event !== q.event && !e.event.startsWith(`${q.event}.`)) return false;
        const t = Date.parse(e.time);
        return t >= since && t <= until;
      },
      skip: start,
      take: q.pageSize,
      ...(q.since ? { since } : {}),
    });
    // `total` is exact when `complete`; otherwise it counts what was read, and more (older) events exist.
    return reply.header('cache-control', 'no-store').send({ total, complete, page: q.page, pageSize: q.pageSize, events });
  });
}
