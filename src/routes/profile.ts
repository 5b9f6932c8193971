import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../config/users-schema.js';
import type { AppContext } from '../app-context.js';
import { clientIp } from '../http/client-ip.js';
import { errorBox, redirectFormTargets, sendHtml, seeOther } from '../http/html-reply.js';
import { escapeHtml, Html, page } from '../http/pages.js';
import { safeRedirectTarget } from '../http/safe-redirect.js';
import { currentSession, sessionAllowing, startSession } from '../http/session-cookie.js';
import type { Runtime } from '../runtime.js';
import type { SessionRecord } from '../sessions/session-record.js';
import { HasherBusyError } from '../users/password-hasher.js';
import { userPrincipal } from '../users/principal.js';
import { UserError } from '../users/user-service.js';
import { finishPasswordLogin } from './login/finish-login.js';
import { HASHER_BUSY } from './login/login-form.js';

function sessionRows(sessions: SessionRecord[], current: SessionRecord, csrf: string): Html {
  const rows = sessions
    .sort((a, b) => b.lastSeenAt - a.lastSeenAt)
    .map((s) => {
      const action =
        s.id === current.id
          ? '<td>This browser</td>'
          : `<td><form method="post" action="/profile/sessions/revoke"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="id" value="${escapeHtml(s.id)}"><button type="submit">End</button></form></td>`;
      return `<tr><td>${escapeHtml(new Date(s.lastSeenAt).toISOString())}</td><td>${escapeHtml(s.ip)}</td><td>${escapeHtml(s.userAgent.slice(0, 80))}</td>${action}</tr>`;
    });
  return new Html(rows.join('\n'));
}

/** /profile: the signed-in user's own account: sessions and password. */
export function profileRoutes(app: FastifyInstance, ctx: AppContext): void {
  const landing = (rt: Runtime, rd: unknown) => safeRedirectTarget(rd, rt.config) ?? `${rt.portal.origin}/profile`;

  /**
   * The partial session a one-time password from `gatehouse recover` signed
   * in to, with its user: good for setting a new password and nothing else.
   */
  function oneTimeSignIn(request: FastifyRequest, rt: Runtime): { session: SessionRecord; user: User } | null {
    const session = sessionAllowing(ctx, request, rt, ['password_change']);
    if (session?.pending !== 'password_change' || !session.principal.id.startsWith('local:')) return null;
    const user = ctx.users.findById(session.principal.id.slice('local:'.length));
    return user ? { session, user } : null;
  }

  function renderPasswordChange(request: FastifyRequest, reply: FastifyReply, rt: Runtime, found: { user: User }, status: number, rd: unknown, error?: string): FastifyReply {
    const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
    const vars = { username: found.user.username, csrf, rd: landing(rt, rd), error: errorBox(error) };
    return sendHtml(reply, status, page('Choose a new password', 'password-change', vars, { openMode: false }), redirectFormTargets(rt.config));
  }

  function render(request: FastifyRequest, reply: FastifyReply, status: number, message?: { error?: string; notice?: string }): FastifyReply {
    const rt = ctx.runtime();
    const session = currentSession(ctx, request, rt);
    if (!session) {
      if (oneTimeSignIn(request, rt)) return seeOther(reply, '/profile/password');
      return seeOther(reply, `/login?rd=${encodeURIComponent(`${rt.portal.origin}/profile`)}`);
    }
    const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
    const mine = ctx.sessions.list((s) => s.principal.id === session.principal.id);
    const local = session.principal.id.startsWith('local:');
    return sendHtml(
      reply,
      status,
      page(
        'Profile & security',
        'profile',
        {
          username: session.principal.username,
          role: session.principal.role,
          csrf,
          sessions: sessionRows(mine, session, csrf),
          error: errorBox(message?.error),
          notice: message?.notice ? new Html(`<p class="notice" role="status">${escapeHtml(message.notice)}</p>`) : undefined,
          passwordForm: local ? new Html(passwordForm(csrf)) : undefined,
        },
        { openMode: rt.config.mode === 'open' },
      ),
    );
  }

  app.get('/profile', (request, reply) => render(request, reply, 200));

  app.post<{ Body: { csrf?: unknown; id?: unknown } }>('/profile/sessions/revoke', async (request, reply) => {
    const rt = ctx.runtime();
    const session = currentSession(ctx, request, rt);
    const body = (request.body ?? {}) as { csrf?: unknown; id?: unknown };
    if (!session || !ctx.csrf.verify(request, body.csrf, rt.portal.origin)) return render(request, reply, 403, { error: 'The form expired. Please try again.' });
    const target = typeof body.id === 'string' ? ctx.sessions.get(body.id) : undefined;
    if (target && target.principal.id === session.principal.id) {
      await ctx.sessions.revoke(target.id);
      await ctx.audit.record({ event: 'session.revoke', actor: session.principal.username, target: session.principal.username, ip: clientIp(request, rt.trustedProxies) });
    }
    return seeOther(reply, '/profile');
  });

  // The step after signing in with a one-time password: a new password, then on as after any login.
  app.get<{ Querystring: { rd?: string } }>('/profile/password', (request, reply) => {
    const rt = ctx.runtime();
    const found = oneTimeSignIn(request, rt);
    if (found) return renderPasswordChange(request, reply, rt, found, 200, request.query.rd);
    return seeOther(reply, currentSession(ctx, request, rt) ? '/profile' : `/login?rd=${encodeURIComponent(`${rt.portal.origin}/profile`)}`);
  });

  app.post<{ Body: { csrf?: unknown; current?: unknown; password?: unknown; rd?: unknown } }>('/profile/password', async (request, reply) => {
    const rt = ctx.runtime();
    const body = (request.body ?? {}) as { csrf?: unknown; current?: unknown; password?: unknown; rd?: unknown };
    const oneTime = oneTimeSignIn(request, rt);
    if (oneTime) {
      if (!ctx.csrf.verify(request, body.csrf, rt.portal.origin)) return renderPasswordChange(request, reply, rt, oneTime, 403, body.rd, 'The form expired. Please try again.');
      if (typeof body.password !== 'string' || body.password === '') return renderPasswordChange(request, reply, rt, oneTime, 400, body.rd, 'Enter your new password.');
      const ip = clientIp(request, rt.trustedProxies);
      let user: User;
      try {
        // No "current password": the one-time password is used up; this session is the proof, and only for this.
        user = await ctx.users.replaceOneTimePassword(oneTime.user.id, body.password, { name: oneTime.user.username, ip });
      } catch (error) {
        if (error instanceof UserError) return renderPasswordChange(request, reply, rt, oneTime, 400, body.rd, error.message);
        if (error instanceof HasherBusyError) return renderPasswordChange(request, reply, rt, oneTime, 503, body.rd, HASHER_BUSY);
        throw error;
      }
      await ctx.sessions.revokeWhere((s) => s.principal.id === oneTime.session.principal.id);
      // As after any password login: a full session, or the second factor / enrolment still owed.
      return finishPasswordLogin(ctx, rt, user, request, reply, landing(rt, body.rd));
    }
    const session = currentSession(ctx, request, rt);
    if (!session || !ctx.csrf.verify(request, body.csrf, rt.portal.origin)) return render(request, reply, 403, { error: 'The form expired. Please try again.' });
    if (typeof body.current !== 'string' || typeof body.password !== 'string') return render(request, reply, 400, { error: 'Enter your current and your new password.' });
    const ip = clientIp(request, rt.trustedProxies);
    const check = await ctx.users.checkLogin(session.principal.username, body.current, ip);
    if (!check.ok) return render(request, reply, 401, { error: 'Your current password is not correct.' });
    try {
      const user = await ctx.users.setPassword(check.user.username, body.password, { name: check.user.username, ip });
      // Every other session of this user ends with the change; this browser gets a fresh one.
      await ctx.sessions.revokeWhere((s) => s.principal.id === session.principal.id);
      await startSession(ctx, request, reply, rt, userPrincipal(user, session.amr, session.acr), session.mfaAt);
    } catch (error) {
      if (error instanceof UserError) return render(request, reply, 400, { error: error.message });
      throw error;
    }
    return seeOther(reply, '/profile');
  });
}

function passwordForm(csrf: string): string {
  return `<h2>Change password</h2>
<form method="post" action="/profile/password">
  <input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
  <label for="current">Current password</label>
  <input id="current" name="current" type="password" autocomplete="current-password" required>
  <label for="password">New password (at least 12 characters)</label>
  <input id="password" name="password" type="password" autocomplete="new-password" minlength="12" required>
  <button type="submit">Change password</button>
</form>`;
}
