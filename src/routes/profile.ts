import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import { clientIp } from '../http/client-ip.js';
import { errorBox, sendHtml, seeOther } from '../http/html-reply.js';
import { escapeHtml, Html, page } from '../http/pages.js';
import { currentSession, startSession } from '../http/session-cookie.js';
import type { SessionRecord } from '../sessions/session-record.js';
import { userPrincipal } from '../users/principal.js';
import { UserError } from '../users/user-service.js';

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
  function render(request: FastifyRequest, reply: FastifyReply, status: number, message?: { error?: string; notice?: string }): FastifyReply {
    const rt = ctx.runtime();
    const session = currentSession(ctx, request, rt);
    if (!session) return seeOther(reply, `/login?rd=${encodeURIComponent(`${rt.portal.origin}/profile`)}`);
    const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
    const mine = ctx.sessions.list((s) => s.principal.id === session.principal.id);
    const local = session.principal.id.startsWith('local:');
    const mustChange = local && ctx.users.findById(session.principal.id.slice(6))?.mustChangePassword === true;
    if (mustChange && !message) message = { notice: 'Choose a new password now: the current one was printed by `gatehouse recover`.' };
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

  app.post<{ Body: { csrf?: unknown; current?: unknown; password?: unknown } }>('/profile/password', async (request, reply) => {
    const rt = ctx.runtime();
    const session = currentSession(ctx, request, rt);
    const body = (request.body ?? {}) as { csrf?: unknown; current?: unknown; password?: unknown };
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
