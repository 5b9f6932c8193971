import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TokenStrategy, TOKEN_PRINCIPAL } from '../../strategies/token.js';
import type { AppContext } from '../app-context.js';
import { clearCookie, readCookie, serializeCookie, SESSION_COOKIE } from '../http/cookies.js';
import { Html, page } from '../http/pages.js';
import { safeRedirectTarget } from '../http/safe-redirect.js';
import type { Runtime } from '../runtime.js';
import type { SessionRecord } from '../sessions/session-record.js';

interface LoginBody {
  csrf?: unknown;
  rd?: unknown;
  token?: unknown;
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
    .send(body);
}

function errorBox(message: string | undefined): Html | undefined {
  return message ? new Html(`<p class="error" role="alert">${message.replace(/[&<>"']/g, '')}</p>`) : undefined;
}

/** The session this browser holds under the current mode, if any. */
export function currentSession(ctx: AppContext, request: FastifyRequest, rt: Runtime): SessionRecord | null {
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  return cookie.kind === 'one' ? ctx.sessions.verify(cookie.value, rt.config.mode) : null;
}

export function portalRoutes(app: FastifyInstance, ctx: AppContext): void {
  const openMode = () => ctx.runtime().config.mode === 'open';
  const landing = (rt: Runtime, rd: unknown) => safeRedirectTarget(rd, rt.config) ?? `${rt.portal.origin}/`;

  function loginPage(request: FastifyRequest, reply: FastifyReply, status: number, rd: unknown, error?: string): FastifyReply {
    const rt = ctx.runtime();
    const target = landing(rt, rd);
    if (rt.config.mode === 'open') return html(reply, 200, page('Sign in', 'login-open', { rd: target }, { openMode: true }));
    const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
    return html(reply, status, page('Sign in', `login-${rt.config.mode === 'token' ? 'token' : rt.config.mode}`, { csrf, rd: target, error: errorBox(error) }, { openMode: false }));
  }

  app.get('/', (request, reply) => {
    const rt = ctx.runtime();
    const session = currentSession(ctx, request, rt);
    const status = rt.config.mode === 'open' ? 'Open mode: everyone is signed in as an administrator.' : session ? `Signed in as ${session.principal.username} (${session.principal.role}).` : 'Not signed in.';
    const [link, linkText] = session ? ['/logout', 'Sign out'] : ['/login', 'Sign in'];
    return html(reply, 200, page('Gatehouse', 'home', { status, link, linkText }, { openMode: openMode() }));
  });

  app.get<{ Querystring: { rd?: string } }>('/login', (request, reply) => loginPage(request, reply, 200, request.query.rd));

  app.post<{ Body: LoginBody }>('/login', async (request, reply) => {
    const rt = ctx.runtime();
    const body = (request.body ?? {}) as LoginBody;
    if (!ctx.csrf.verify(request, body.csrf, rt.portal.origin)) {
      request.log.warn('login refused: CSRF check failed');
      return loginPage(request, reply, 403, body.rd, 'Your sign-in form expired or came from another site. Please try again.');
    }
    if (rt.strategy instanceof TokenStrategy) {
      if (typeof body.token !== 'string' || !rt.strategy.matches(body.token.trim())) {
        request.log.info({ ip: request.ip }, 'token login failed');
        return loginPage(request, reply, 401, body.rd, 'That token is not valid.');
      }
      const { cookieValue } = await ctx.sessions.create({
        mode: 'token',
        principal: TOKEN_PRINCIPAL,
        amr: TOKEN_PRINCIPAL.amr,
        acr: TOKEN_PRINCIPAL.acr,
        mfaAt: null,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? '',
      });
      request.log.info('token login succeeded');
      reply.header('set-cookie', serializeCookie(SESSION_COOKIE, cookieValue, { secure: rt.cookie.secure, domain: rt.cookie.domain, maxAgeSeconds: Math.floor(rt.ttlMs / 1000) }));
      return reply.code(303).header('cache-control', 'no-store').header('location', landing(rt, body.rd)).send();
    }
    return loginPage(request, reply, 400, body.rd, 'This mode does not sign in with this form.');
  });

  app.get('/logout', (request, reply) => {
    const rt = ctx.runtime();
    const session = currentSession(ctx, request, rt);
    const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
    const who = session ? `Signed in as ${session.principal.username}.` : 'You are not signed in.';
    return html(reply, 200, page('Sign out', 'logout', { csrf, who }, { openMode: openMode() }));
  });

  app.post<{ Body: { csrf?: unknown } }>('/logout', async (request, reply) => {
    const rt = ctx.runtime();
    if (!ctx.csrf.verify(request, (request.body as { csrf?: unknown } | undefined)?.csrf, rt.portal.origin)) {
      return html(reply, 403, page('Sign out', 'logout', { who: 'The sign-out form expired. Please try again.', csrf: ctx.csrf.issue(request, reply, rt.cookie.secure) }, { openMode: openMode() }));
    }
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (cookie.kind === 'one') {
      // Only the holder of the full cookie (id and secret) may end the session.
      const id = ctx.sessions.ownedId(cookie.value);
      if (id) await ctx.sessions.revoke(id);
    }
    reply.header('set-cookie', clearCookie(SESSION_COOKIE, { secure: rt.cookie.secure, domain: rt.cookie.domain }));
    return reply.code(303).header('cache-control', 'no-store').header('location', '/login').send();
  });
}
