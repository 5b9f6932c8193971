import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../app-context.js';
import { sha256Hex } from '../../crypto/constant-time.js';
import { EmptyBody } from '../../admin/schemas.js';
import { clientIp } from '../../http/client-ip.js';
import { parseBody } from '../../http/parse-body.js';
import { requireAdmin } from '../../http/require-admin.js';
import { requireStepUp } from '../../http/require-step-up.js';
import { sendApiError } from '../../http/request-principal.js';
import { tokenView } from '../../tokens/token-service.js';

/** Everyone's API tokens (list, revoke) and the instance token for token mode (create/rotate, shown once). */
export function adminTokenRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/admin/tokens', async (request, reply) => {
    const rt = ctx.runtime();
    if (!(await requireAdmin(ctx, request, reply, rt, false))) return reply;
    const tokens = ctx.tokens.list().map((t) => tokenView(t, ctx.users.findById(t.userId)?.username ?? '(deleted)'));
    return reply.header('cache-control', 'no-store').send({ tokens, instanceToken: rt.config.token ? { createdAt: rt.config.token.createdAt ?? null } : null });
  });

  app.delete<{ Params: { id: string } }>('/api/admin/tokens/:id', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller) return reply;
    if (!(await ctx.tokens.revoke(request.params.id, { name: caller.principal.username, ip: clientIp(request, rt.trustedProxies) }))) return sendApiError(reply, 404, 'not_found', 'no such token');
    return reply.header('cache-control', 'no-store').send({ ok: true });
  });

  app.post('/api/admin/instance-token', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !requireStepUp(ctx, reply, rt, caller) || !parseBody(EmptyBody, request, reply)) return reply;
    const token = randomBytes(32).toString('base64url');
    await ctx.config.update((config) => ({ ...config, token: { hash: sha256Hex(token), createdAt: new Date(ctx.now()).toISOString() } }));
    await ctx.audit.record({ event: 'token.rotate', actor: caller.principal.username, ip: clientIp(request, rt.trustedProxies) });
    return reply.code(201).header('cache-control', 'no-store').send({ token, note: 'shown once: store it now; the previous instance token no longer works' });
  });
}
