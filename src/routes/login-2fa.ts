import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import { clientIp } from '../http/client-ip.js';
import { errorBox, redirectFormTargets, sendHtml, seeOther } from '../http/html-reply.js';
import { page } from '../http/pages.js';
import { safeRedirectTarget } from '../http/safe-redirect.js';
import { sessionAllowing, startSession } from '../http/session-cookie.js';
import type { Runtime } from '../runtime.js';
import type { SessionRecord } from '../sessions/session-record.js';
import { userPrincipal } from '../users/principal.js';

const LOCKED = 'Too many wrong codes. Second-factor sign-in is locked for 15 minutes.';

/**
 * /login/2fa: the second step of a login (partial session → full session),
 * and step-up for a full session that needs a fresh second factor. Either
 * way the session is replaced by a new one with acr aal2.
 */
export function login2faRoutes(app: FastifyInstance, ctx: AppContext): void {
  const landing = (rt: Runtime, rd: unknown) => safeRedirectTarget(rd, rt.config) ?? `${rt.portal.origin}/`;

  function sessionAndUser(request: FastifyRequest, rt: Runtime) {
    const session = sessionAllowing(ctx, request, rt, ['second_factor']);
    const user = session && session.principal.id.startsWith('local:') ? ctx.users.findById(session.principal.id.slice('local:'.length)) : undefined;
    return session && user ? { session, user } : null;
  }

  function render(request: FastifyRequest, reply: FastifyReply, rt: Runtime, status: number, rd: unknown, error?: string): FastifyReply {
    const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
    return sendHtml(reply, status, page('Two-factor authentication', 'login-2fa', { csrf, rd: landing(rt, rd), error: errorBox(error) }, { openMode: false }), redirectFormTargets(rt.config));
  }

  app.get<{ Querystring: { rd?: string } }>('/login/2fa', async (request, reply) => {
    const rt = ctx.runtime();
    const found = sessionAndUser(request, rt);
    if (!found) return seeOther(reply, `/login?rd=${encodeURIComponent(landing(rt, request.query.rd))}`);
    if (!ctx.mfa.hasSecondFactor(found.user.id)) return seeOther(reply, `/profile/2fa?rd=${encodeURIComponent(landing(rt, request.query.rd))}`);
    return render(request, reply, rt, 200, request.query.rd, (await ctx.mfa.isLocked(found.user.id)) ? LOCKED : undefined);
  });

  app.post<{ Body: { csrf?: unknown; code?: unknown; rd?: unknown } }>('/login/2fa', async (request, reply) => {
    const rt = ctx.runtime();
    const body = (request.body ?? {}) as { csrf?: unknown; code?: unknown; rd?: unknown };
    if (!ctx.csrf.verify(request, body.csrf, rt.portal.origin)) return render(request, reply, rt, 403, body.rd, 'The form expired. Please try again.');
    const found = sessionAndUser(request, rt);
    if (!found) return seeOther(reply, `/login?rd=${encodeURIComponent(landing(rt, body.rd))}`);
    if (typeof body.code !== 'string' || body.code.trim() === '') return render(request, reply, rt, 400, body.rd, 'Enter the 6-digit code or a recovery code.');
    const result = await ctx.mfa.verifySecondFactor(found.user, body.code, { actor: found.user.username, ip: clientIp(request, rt.trustedProxies) });
    if (!result.ok) return render(request, reply, rt, result.reason === 'locked' ? 429 : 401, body.rd, result.reason === 'locked' ? LOCKED : 'That code is not right.');
    await upgradeSession(ctx, request, reply, rt, found.session, result.method === 'otp' ? 'otp' : 'rec');
    return seeOther(reply, landing(rt, body.rd));
  });
}

/** Replaces `session` by a new full one that records a second factor used now. */
export async function upgradeSession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, rt: Runtime, session: SessionRecord, method: string): Promise<SessionRecord> {
  const user = ctx.users.findById(session.principal.id.slice('local:'.length));
  if (!user) throw new Error('session user vanished');
  const amr = [...new Set([...session.amr.filter((a) => a !== method), method])];
  return startSession(ctx, request, reply, rt, userPrincipal(user, amr, 'aal2'), ctx.now());
}
