import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../config/users-schema.js';
import type { AppContext } from '../app-context.js';
import { clientIp } from '../http/client-ip.js';
import { errorBox, sendHtml, seeOther } from '../http/html-reply.js';
import { escapeHtml, Html, page } from '../http/pages.js';
import { safeRedirectTarget } from '../http/safe-redirect.js';
import { sessionAllowing } from '../http/session-cookie.js';
import { MfaError } from '../mfa/mfa-service.js';
import { stepUpState } from '../mfa/step-up.js';
import type { Runtime } from '../runtime.js';
import type { SessionRecord } from '../sessions/session-record.js';
import { upgradeSession } from './login-2fa.js';

interface Form {
  csrf?: unknown;
  code?: unknown;
  rd?: unknown;
}

/** /profile/2fa: set up TOTP (QR + manual key → confirm → recovery codes), regenerate codes, turn it off. */
export function profile2faRoutes(app: FastifyInstance, ctx: AppContext): void {
  const landing = (rt: Runtime, rd: unknown) => safeRedirectTarget(rd, rt.config) ?? `${rt.portal.origin}/profile`;

  function caller(request: FastifyRequest, rt: Runtime): { session: SessionRecord; user: User } | null {
    const session = sessionAllowing(ctx, request, rt, ['enrolment']);
    const user = session?.principal.id.startsWith('local:') ? ctx.users.findById(session.principal.id.slice(6)) : undefined;
    return session && user ? { session, user } : null;
  }

  async function show(request: FastifyRequest, reply: FastifyReply, status: number, rd: unknown, error?: string): Promise<FastifyReply> {
    const rt = ctx.runtime();
    const found = caller(request, rt);
    if (!found) return seeOther(reply, `/login?rd=${encodeURIComponent(`${rt.portal.origin}/profile/2fa`)}`);
    const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
    const status2fa = ctx.mfa.status(found.user.id);
    if (status2fa.totpEnrolled) {
      const vars = { csrf, enrolledAt: status2fa.enrolledAt ?? '', recoveryLeft: String(status2fa.recoveryCodesLeft), error: errorBox(error) };
      return sendHtml(reply, status, page('Two-factor authentication', 'totp-manage', vars, { openMode: false }));
    }
    let enrolment;
    try {
      enrolment = (await ctx.mfa.pendingTotp(found.user)) ?? (await ctx.mfa.beginTotp(found.user));
    } catch (e) {
      if (e instanceof MfaError) return sendHtml(reply, 500, page('Two-factor authentication', 'totp-manage', { csrf, error: errorBox(e.message) }, { openMode: false }));
      throw e;
    }
    const vars = { csrf, rd: landing(rt, rd), secret: enrolment.secret, qr: new Html(enrolment.qrSvg), error: errorBox(error) };
    return sendHtml(reply, status, page('Set up two-factor authentication', 'totp-enrol', vars, { openMode: false }));
  }

  function showCodes(reply: FastifyReply, codes: string[], next: string): FastifyReply {
    const items = new Html(codes.map((c) => `<li>${escapeHtml(c)}</li>`).join('\n'));
    return sendHtml(reply, 200, page('Your recovery codes', 'recovery-codes', { codes: items, next }, { openMode: false }));
  }

  app.get<{ Querystring: { rd?: string } }>('/profile/2fa', (request, reply) => show(request, reply, 200, request.query.rd));

  app.post<{ Body: Form }>('/profile/2fa/confirm', async (request, reply) => {
    const rt = ctx.runtime();
    const body = (request.body ?? {}) as Form;
    const found = caller(request, rt);
    if (!found || !ctx.csrf.verify(request, body.csrf, rt.portal.origin)) return show(request, reply, 403, body.rd, 'The form expired. Please try again.');
    const audit = { actor: found.user.username, ip: clientIp(request, rt.trustedProxies) };
    let codes: string[];
    try {
      codes = await ctx.mfa.confirmTotp(found.user, typeof body.code === 'string' ? body.code : '', audit);
    } catch (e) {
      if (e instanceof MfaError) return show(request, reply, 400, body.rd, e.message);
      throw e;
    }
    // Enrolling proves the second factor: the session becomes a full one (aal2).
    await upgradeSession(ctx, request, reply, rt, found.session, 'otp');
    return showCodes(reply, codes, landing(rt, body.rd));
  });

  app.post<{ Body: Form }>('/profile/2fa/recovery', async (request, reply) => {
    const rt = ctx.runtime();
    const body = (request.body ?? {}) as Form;
    const found = caller(request, rt);
    if (!found || found.session.pending || !ctx.csrf.verify(request, body.csrf, rt.portal.origin)) return show(request, reply, 403, body.rd, 'The form expired. Please try again.');
    const step = stepUpState({ principal: found.session.principal, session: found.session, user: found.user, mfa: ctx.mfa, config: rt.config, now: ctx.now() });
    if (!step.ok) return seeOther(reply, `${step.location}?rd=${encodeURIComponent(`${rt.portal.origin}/profile/2fa`)}`);
    const codes = await ctx.mfa.regenerateRecoveryCodes(found.user, { actor: found.user.username, ip: clientIp(request, rt.trustedProxies) });
    return showCodes(reply, codes, `${rt.portal.origin}/profile/2fa`);
  });

  app.post<{ Body: Form }>('/profile/2fa/disable', async (request, reply) => {
    const rt = ctx.runtime();
    const body = (request.body ?? {}) as Form;
    const found = caller(request, rt);
    if (!found || found.session.pending || !ctx.csrf.verify(request, body.csrf, rt.portal.origin)) return show(request, reply, 403, body.rd, 'The form expired. Please try again.');
    if (found.user.requires2fa) return show(request, reply, 400, body.rd, 'Your account requires two-factor authentication; an admin can lift that requirement.');
    try {
      await ctx.mfa.disableTotp(found.user, typeof body.code === 'string' ? body.code : '', { actor: found.user.username, ip: clientIp(request, rt.trustedProxies) });
    } catch (e) {
      if (e instanceof MfaError) return show(request, reply, 400, body.rd, e.message);
      throw e;
    }
    return seeOther(reply, '/profile/2fa');
  });
}
