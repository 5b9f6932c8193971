import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TokenStrategy, TOKEN_PRINCIPAL } from '../../strategies/token.js';
import type { AppContext } from '../app-context.js';
import { clientIp } from '../http/client-ip.js';
import { sameOrigin } from '../http/csrf.js';
import { identifyCaller, sendApiError } from '../http/request-principal.js';
import { endSession, sessionAllowing, startSession } from '../http/session-cookie.js';
import { stepUpState } from '../mfa/step-up.js';
import { nextStepAfterPassword } from './login/finish-login.js';
import { upgradeSession } from './login-2fa.js';
import type { SessionRecord } from '../sessions/session-record.js';
import { userPrincipal } from '../users/principal.js';

interface JsonLogin {
  username?: unknown;
  password?: unknown;
  token?: unknown;
}

/** A session as its owner may see it: never the secret or its hash. */
export function sessionView(record: SessionRecord, currentId: string | null) {
  return {
    id: record.id,
    user: record.principal.username,
    createdAt: new Date(record.createdAt).toISOString(),
    lastSeenAt: new Date(record.lastSeenAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
    ip: record.ip,
    userAgent: record.userAgent,
    amr: record.amr,
    acr: record.acr,
    current: record.id === currentId,
  };
}

/**
 * JSON requests that change state must be real JSON (a cross-site form can't
 * send application/json without a CORS preflight) from no other origin.
 */
export function refuseCrossSiteJson(request: FastifyRequest, reply: FastifyReply, portalOrigin: string): FastifyReply | null {
  const type = request.headers['content-type'] ?? '';
  if (request.method !== 'DELETE' && !type.startsWith('application/json')) return sendApiError(reply, 415, 'unsupported_media_type', 'send application/json');
  if (!sameOrigin(request, portalOrigin)) return sendApiError(reply, 403, 'cross_origin', 'request from another origin refused');
  return null;
}

/** A one-time password (from `gatehouse recover`) signs in on the portal form only, once, to set a new one. */
function refuseOneTimePassword(reply: FastifyReply): FastifyReply {
  return sendApiError(reply, 403, 'password_change_required', 'this password is one-time: sign in on the portal login page to set a new password');
}

/** The signed-in user's own API: JSON login/logout, status, sessions. */
export function authApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Body: JsonLogin }>('/api/auth/login', async (request, reply) => {
    const rt = ctx.runtime();
    const refused = refuseCrossSiteJson(request, reply, rt.portal.origin);
    if (refused) return refused;
    const body = (request.body ?? {}) as JsonLogin;
    const ip = clientIp(request, rt.trustedProxies);
    if (rt.strategy instanceof TokenStrategy) {
      if (typeof body.token !== 'string' || !rt.strategy.matches(body.token)) {
        await ctx.audit.record({ event: 'login.failure', actor: 'anonymous', ip, outcome: 'failure', details: { method: 'token' } });
        return sendApiError(reply, 401, 'invalid_credentials', 'invalid token');
      }
      await startSession(ctx, request, reply, rt, TOKEN_PRINCIPAL);
      return reply.header('cache-control', 'no-store').send({ user: TOKEN_PRINCIPAL.username, role: TOKEN_PRINCIPAL.role });
    }
    if (rt.config.mode !== 'userPassword') return sendApiError(reply, 400, 'unsupported_mode', `no password login in ${rt.config.mode} mode`);
    if (typeof body.username !== 'string' || typeof body.password !== 'string') return sendApiError(reply, 400, 'bad_request', 'username and password are required strings');
    const result = await ctx.users.checkLogin(body.username.trim(), body.password, ip);
    if (!result.ok) {
      if (result.reason === 'password_change_required') return refuseOneTimePassword(reply);
      return result.reason === 'busy'
        ? sendApiError(reply, 503, 'busy', 'too many sign-ins in progress; retry shortly')
        : sendApiError(reply, 401, 'invalid_credentials', 'incorrect username or password');
    }
    const step = nextStepAfterPassword(ctx, result.user);
    // checkLogin already refused a one-time password here; should one get through anyway, no session.
    if (step === 'password_change') return refuseOneTimePassword(reply);
    await startSession(ctx, request, reply, rt, userPrincipal(result.user), null, step === 'done' ? undefined : step);
    const status = step === 'done' ? 'signed_in' : step === 'second_factor' ? 'second_factor_required' : 'enrolment_required';
    return reply.header('cache-control', 'no-store').send({ status, user: result.user.username, role: result.user.role });
  });

  // The second step of a JSON login, and step-up for a full session: {"code": "123456" | recovery code}.
  app.post<{ Body: { code?: unknown } }>('/api/auth/2fa', async (request, reply) => {
    const rt = ctx.runtime();
    const refused = refuseCrossSiteJson(request, reply, rt.portal.origin);
    if (refused) return refused;
    const session = sessionAllowing(ctx, request, rt, ['second_factor']);
    const user = session?.principal.id.startsWith('local:') ? ctx.users.findById(session.principal.id.slice(6)) : undefined;
    if (!session || !user) return sendApiError(reply, 401, 'authentication_required', 'sign in with your password first');
    const code = (request.body as { code?: unknown } | undefined)?.code;
    if (typeof code !== 'string') return sendApiError(reply, 400, 'invalid_request', 'body must be {"code": "…"}');
    const result = await ctx.mfa.verifySecondFactor(user, code, { actor: user.username, ip: clientIp(request, rt.trustedProxies) });
    if (!result.ok) {
      return result.reason === 'locked'
        ? sendApiError(reply, 429, 'locked', 'too many wrong codes; second-factor sign-in is locked for 15 minutes')
        : sendApiError(reply, 401, result.reason === 'not_enrolled' ? 'not_enrolled' : 'invalid_code', 'that code is not right');
    }
    await upgradeSession(ctx, request, reply, rt, session, result.method === 'otp' ? 'otp' : 'rec');
    return reply.header('cache-control', 'no-store').send({ status: 'signed_in', user: user.username, acr: 'aal2' });
  });

  app.post('/api/auth/logout', async (request, reply) => {
    const rt = ctx.runtime();
    const refused = refuseCrossSiteJson(request, reply, rt.portal.origin);
    if (refused) return refused;
    const ended = await endSession(ctx, request, reply, rt);
    if (ended) await ctx.audit.record({ event: 'logout', actor: ended.principal.username, ip: ended.ip });
    return reply.header('cache-control', 'no-store').send({ ok: true });
  });

  // The token a page sends as X-CSRF-Token on writes made with its session cookie.
  app.get('/api/auth/csrf', (request, reply) => {
    const rt = ctx.runtime();
    const token = ctx.csrf.issue(request, reply, rt.cookie.secure);
    return reply.header('cache-control', 'no-store').send({ token });
  });

  app.get('/api/auth/status', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await identifyCaller(ctx, request, rt);
    reply.header('cache-control', 'no-store');
    if (!caller) return sendApiError(reply, 401, 'authentication_required', 'not signed in');
    const { principal, session } = caller;
    const user = principal.id.startsWith('local:') ? ctx.users.findById(principal.id.slice(6)) : undefined;
    const mfa = user ? ctx.mfa.status(user.id) : null;
    const stepUp = stepUpState({ principal, session, user, mfa: ctx.mfa, config: rt.config, now: ctx.now() });
    return {
      mode: rt.config.mode,
      user: principal.username,
      name: principal.name ?? null,
      role: principal.role,
      groups: principal.groups,
      amr: session?.amr ?? principal.amr,
      acr: session?.acr ?? principal.acr,
      mfa: mfa ? { enrolled: mfa.methods.length > 0, methods: mfa.methods, recoveryCodesLeft: mfa.recoveryCodesLeft, required: Boolean(user?.requires2fa) } : null,
      lastMfaAt: session?.mfaAt ? new Date(session.mfaAt).toISOString() : null,
      stepUp: stepUp.ok ? { allowed: true, remainingSeconds: stepUp.remainingMs === null ? null : Math.floor(stepUp.remainingMs / 1000) } : { allowed: false, reason: stepUp.code },
    };
  });

  app.get('/api/auth/sessions', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await identifyCaller(ctx, request, rt);
    reply.header('cache-control', 'no-store');
    if (!caller) return sendApiError(reply, 401, 'authentication_required', 'not signed in');
    const mine = ctx.sessions.list((s) => s.principal.id === caller.principal.id);
    return { sessions: mine.map((s) => sessionView(s, caller.session?.id ?? null)) };
  });

  app.delete<{ Params: { id: string } }>('/api/auth/sessions/:id', async (request, reply) => {
    const rt = ctx.runtime();
    const refused = refuseCrossSiteJson(request, reply, rt.portal.origin);
    if (refused) return refused;
    const caller = await identifyCaller(ctx, request, rt);
    if (!caller) return sendApiError(reply, 401, 'authentication_required', 'not signed in');
    const target = ctx.sessions.get(request.params.id);
    // Someone else's session id answers exactly like a missing one.
    if (!target || target.principal.id !== caller.principal.id) return sendApiError(reply, 404, 'not_found', 'no such session');
    await ctx.sessions.revoke(target.id);
    await ctx.audit.record({ event: 'session.revoke', actor: caller.principal.username, target: caller.principal.username, ip: clientIp(request, rt.trustedProxies) });
    return reply.header('cache-control', 'no-store').send({ ok: true });
  });
}
