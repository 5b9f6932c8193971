import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TokenStrategy } from '../../strategies/token.js';
import type { AppContext } from '../app-context.js';
import { errorBox, redirectFormTargets, sendHtml, seeOther } from '../http/html-reply.js';
import { Html, page, render } from '../http/pages.js';
import { safeRedirectTarget } from '../http/safe-redirect.js';
import { currentSession, endSession, sessionAllowing } from '../http/session-cookie.js';
import { pendingLocation } from './login/finish-login.js';
import type { Runtime } from '../runtime.js';
import { passwordLogin } from './login/password-login.js';
import { breakGlassLogin } from './login/break-glass-login.js';
import { oauth2LoginPage } from './login/oauth2-login-page.js';
import { tokenLogin } from './login/token-login.js';

interface LoginBody {
  csrf?: unknown;
  rd?: unknown;
  token?: unknown;
  username?: unknown;
  password?: unknown;
}

const LOGIN_TEMPLATES: Record<Runtime['config']['mode'], string> = {
  open: 'login-open',
  token: 'login-token',
  userPassword: 'login-password',
  oauth2: 'login-oauth2',
};

/** The portal's pages: home, login (by mode) and logout. */
export function portalRoutes(app: FastifyInstance, ctx: AppContext): void {
  const isOpen = () => ctx.runtime().config.mode === 'open';
  const landing = (rt: Runtime, rd: unknown) => safeRedirectTarget(rd, rt.config) ?? `${rt.portal.origin}/`;

  function loginPage(request: FastifyRequest, reply: FastifyReply, status: number, rd: unknown, error?: string, username?: string): FastifyReply {
    const rt = ctx.runtime();
    const target = landing(rt, rd);
    if (rt.config.mode === 'open') return sendHtml(reply, 200, page('Sign in', 'login-open', { rd: target }, { openMode: true }));
    if (rt.config.mode === 'oauth2') return oauth2LoginPage(ctx, request, reply, status, rd, error, username);
    const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
    return sendHtml(reply, status, page('Sign in', LOGIN_TEMPLATES[rt.config.mode], { csrf, rd: target, error: errorBox(error), username }, { openMode: false }), redirectFormTargets(rt.config));
  }

  app.get('/', (request, reply) => {
    const rt = ctx.runtime();
    const session = currentSession(ctx, request, rt);
    const status = isOpen()
      ? 'Open mode: everyone is signed in as an administrator.'
      : session
        ? `Signed in as ${session.principal.username} (${session.principal.role}).`
        : 'Not signed in.';
    const [link, linkText] = session ? ['/profile', 'Profile & security'] : ['/login', 'Sign in'];
    // Open mode is a first run: point at the few steps that make Gatehouse protect something.
    const firstRun = isOpen() ? new Html(render('home-first-run', {})) : undefined;
    return sendHtml(reply, 200, page('Gatehouse', 'home', { status, link, linkText, firstRun }, { openMode: isOpen() }));
  });

  app.get<{ Querystring: { rd?: string } }>('/login', (request, reply) => {
    const rt = ctx.runtime();
    // Half-way through a login (password done, second factor owed): continue there.
    const partial = sessionAllowing(ctx, request, rt, ['second_factor', 'enrolment', 'password_change']);
    if (partial?.pending) return seeOther(reply, pendingLocation(partial.pending, landing(rt, request.query.rd)));
    return loginPage(request, reply, 200, request.query.rd);
  });

  app.post<{ Body: LoginBody }>('/login', async (request, reply) => {
    const rt = ctx.runtime();
    const body = (request.body ?? {}) as LoginBody;
    const username = typeof body.username === 'string' ? body.username : undefined;
    const render = (status: number, error?: string) => loginPage(request, reply, status, body.rd, error, username);
    if (!ctx.csrf.verify(request, body.csrf, rt.portal.origin)) {
      request.log.warn('login refused: CSRF check failed');
      return render(403, 'Your sign-in form expired or came from another site. Please try again.');
    }
    const form = { ...body, landing: landing(rt, body.rd) };
    if (rt.strategy instanceof TokenStrategy) return tokenLogin(ctx, rt, rt.strategy, form, request, reply, render);
    if (rt.config.mode === 'userPassword') return passwordLogin(ctx, rt, form, request, reply, render);
    if (rt.config.mode === 'oauth2') return breakGlassLogin(ctx, rt, form, request, reply, render);
    return render(400, 'This mode does not sign in with this form.');
  });

  app.get('/logout', (request, reply) => {
    const rt = ctx.runtime();
    const session = currentSession(ctx, request, rt);
    const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
    const who = session ? `Signed in as ${session.principal.username}.` : 'You are not signed in.';
    // oauth2: the form posts to /api/auth/oidc/logout, which also signs out at the provider.
    return sendHtml(reply, 200, page('Sign out', rt.config.mode === 'oauth2' ? 'logout-oauth2' : 'logout', { csrf, who }, { openMode: isOpen() }));
  });

  app.post<{ Body: { csrf?: unknown } }>('/logout', async (request, reply) => {
    const rt = ctx.runtime();
    if (!ctx.csrf.verify(request, (request.body as { csrf?: unknown } | undefined)?.csrf, rt.portal.origin)) {
      const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
      return sendHtml(reply, 403, page('Sign out', 'logout', { who: 'The sign-out form expired. Please try again.', csrf }, { openMode: isOpen() }));
    }
    const ended = await endSession(ctx, request, reply, rt);
    if (ended) await ctx.audit.record({ event: 'logout', actor: ended.principal.username, ip: ended.ip });
    return seeOther(reply, '/login');
  });
}
