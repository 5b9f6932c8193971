import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { CreateUserBody, PasswordBody, UpdateUserBody } from '../../admin/schemas.js';
import { clientIp } from '../../http/client-ip.js';
import { parseBody } from '../../http/parse-body.js';
import { requireAdmin } from '../../http/require-admin.js';
import { requireStepUp } from '../../http/require-step-up.js';
import { sendApiError } from '../../http/request-principal.js';
import { UserError, viewOf } from '../../users/user-service.js';

function userError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof UserError) return sendApiError(reply, error.code === 'no_such_user' ? 404 : error.code === 'username_taken' ? 409 : 400, error.code, error.message);
  throw error;
}

/** /api/admin/users: list, create, edit, reset password, delete. Writes need step-up and are audited. */
export function adminUserRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/admin/users', async (request, reply) => {
    if (!(await requireAdmin(ctx, request, reply, ctx.runtime(), false))) return reply;
    const users = ctx.users.list().map((u) => ({ ...viewOf(u), mfa: ctx.mfa.status(u.id), sessions: ctx.sessions.list((s) => s.principal.id === `local:${u.id}`).length }));
    return reply.header('cache-control', 'no-store').send({ users });
  });

  app.post('/api/admin/users', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !requireStepUp(ctx, reply, rt, caller)) return reply;
    const body = parseBody(CreateUserBody, request, reply);
    if (!body) return reply;
    try {
      const user = await ctx.users.create(body, { name: caller.principal.username, ip: clientIp(request, rt.trustedProxies) });
      return reply.code(201).header('cache-control', 'no-store').send({ user: viewOf(user) });
    } catch (error) {
      return userError(reply, error);
    }
  });

  app.patch<{ Params: { name: string } }>('/api/admin/users/:name', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !requireStepUp(ctx, reply, rt, caller)) return reply;
    const body = parseBody(UpdateUserBody, request, reply);
    if (!body) return reply;
    const actor = { name: caller.principal.username, ip: clientIp(request, rt.trustedProxies) };
    try {
      const name = request.params.name;
      if (!ctx.users.find(name)) return sendApiError(reply, 404, 'no_such_user', `no user named ${name}`);
      const user = await ctx.users.edit(name, body, actor);
      return reply.header('cache-control', 'no-store').send({ user: viewOf(user) });
    } catch (error) {
      return userError(reply, error);
    }
  });

  app.post<{ Params: { name: string } }>('/api/admin/users/:name/password', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !requireStepUp(ctx, reply, rt, caller)) return reply;
    const body = parseBody(PasswordBody, request, reply);
    if (!body) return reply;
    try {
      await ctx.users.setPassword(request.params.name, body.password, { name: caller.principal.username, ip: clientIp(request, rt.trustedProxies) });
      return reply.header('cache-control', 'no-store').send({ ok: true });
    } catch (error) {
      return userError(reply, error);
    }
  });

  app.delete<{ Params: { name: string } }>('/api/admin/users/:name', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !requireStepUp(ctx, reply, rt, caller)) return reply;
    try {
      await ctx.users.remove(request.params.name, { name: caller.principal.username, ip: clientIp(request, rt.trustedProxies) });
      return reply.header('cache-control', 'no-store').send({ ok: true });
    } catch (error) {
      return userError(reply, error);
    }
  });
}
