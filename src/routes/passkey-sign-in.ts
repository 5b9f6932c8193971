import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import { clientIp } from '../http/client-ip.js';
import { safeRedirectTarget } from '../http/safe-redirect.js';
import { startSession } from '../http/session-cookie.js';
import { passkeyAuthenticationOptions } from '../passkeys/authentication-options.js';
import { clearCeremonyCookie, readCeremonyId, setCeremonyCookie } from '../passkeys/ceremony-cookie.js';
import { CEREMONY_TIMEOUT_MS, type ChallengeStore } from '../passkeys/challenge-store.js';
import type { PasskeyFailure } from '../passkeys/passkey-errors.js';
import { relyingPartyOf } from '../passkeys/relying-party.js';
import { verifyPasskeyAuthentication } from '../passkeys/verify-authentication.js';
import type { Runtime } from '../runtime.js';
import { userPrincipal } from '../users/principal.js';
import { upgradeSession } from './login-2fa.js';
import { localSession, refusePasskeyWrite, sendFailure, sendPasskeyError } from './passkey-guards.js';

interface VerifyBody {
  response?: unknown;
  rd?: unknown;
}

/**
 * Passwordless sign-in with a discoverable passkey (the button, or autofill
 * with conditional UI) and a passkey as the second factor on /login/2fa
 * (after a password, or as step-up). Both end in a new session with acr
 * aal2: a user-verifying passkey is itself multi-factor.
 */
export function passkeySignInRoutes(app: FastifyInstance, ctx: AppContext, challenges: ChallengeStore): void {
  const landing = (rt: Runtime, rd: unknown) => safeRedirectTarget(rd, rt.config) ?? `${rt.portal.origin}/`;

  async function auditFailure(request: FastifyRequest, rt: Runtime, purpose: string, failure: PasskeyFailure, actor = 'anonymous', target?: string) {
    await ctx.audit.record({ event: 'passkey.failure', actor, target, ip: clientIp(request, rt.trustedProxies), outcome: 'failure', details: { purpose, code: failure.code, detail: failure.detail ?? null } });
  }

  app.post('/api/passkeys/sign-in/options', async (request, reply) => {
    const rt = ctx.runtime();
    const refused = refusePasskeyWrite(ctx, request, reply, rt);
    if (refused) return refused;
    if (rt.config.mode !== 'userPassword') return sendPasskeyError(reply, 'unsupported_mode');
    const issued = await challenges.issue({ ceremony: 'authentication', purpose: 'sign_in', userId: null, sessionId: null });
    const options = await passkeyAuthenticationOptions({ rp: relyingPartyOf(rt), challenge: issued.challenge, timeoutMs: CEREMONY_TIMEOUT_MS });
    setCeremonyCookie(reply, issued.ceremonyId, rt.cookie.secure);
    return reply.header('cache-control', 'no-store').send({ options });
  });

  app.post<{ Body: VerifyBody }>('/api/passkeys/sign-in/verify', async (request, reply) => {
    const rt = ctx.runtime();
    const refused = refusePasskeyWrite(ctx, request, reply, rt);
    if (refused) return refused;
    const ceremony = await challenges.take(readCeremonyId(request));
    clearCeremonyCookie(reply, rt.cookie.secure);
    if (rt.config.mode !== 'userPassword') return sendPasskeyError(reply, 'unsupported_mode');
    const body = (request.body ?? {}) as VerifyBody;
    const result = await verifyPasskeyAuthentication({
      response: body.response,
      ceremony,
      purposes: ['sign_in'],
      rp: relyingPartyOf(rt),
      findPasskey: (id) => ctx.passkeys.find(id),
      session: null,
    });
    if (!result.ok) {
      await auditFailure(request, rt, 'sign_in', result);
      return sendFailure(reply, result);
    }
    const user = ctx.users.findById(result.entry.userId);
    // A user deleted a moment ago: their passkeys are being removed too.
    if (!user) return sendPasskeyError(reply, 'passkey_removed');
    if (user.disabled) {
      await auditFailure(request, rt, 'sign_in', { ok: false, code: 'account_disabled' }, 'anonymous', user.username);
      return sendPasskeyError(reply, 'account_disabled');
    }
    const used = await ctx.passkeys.recordUse(result.entry, result);
    if ('ok' in used) {
      await auditFailure(request, rt, 'sign_in', used, 'anonymous', user.username);
      return sendFailure(reply, used);
    }
    // A new session (never the one the browser had): aal2, the passkey's amr, second factor used now.
    await startSession(ctx, request, reply, rt, userPrincipal(user, [result.amr], 'aal2'), ctx.now());
    const ip = clientIp(request, rt.trustedProxies);
    await ctx.audit.record({ event: 'passkey.use', actor: user.username, target: user.username, ip, outcome: 'success', details: { purpose: 'sign_in', passkey: used.name, amr: result.amr } });
    await ctx.audit.record({ event: 'login.success', actor: user.username, ip, outcome: 'success', details: { method: 'passkey' } });
    return reply.header('cache-control', 'no-store').send({ status: 'signed_in', user: user.username, acr: 'aal2', amr: [result.amr], location: landing(rt, body.rd) });
  });

  // Whether /login/2fa should offer a passkey: the partial (or full, for step-up) session's user has one.
  app.get('/api/passkeys/second-factor', (request, reply) => {
    const rt = ctx.runtime();
    reply.header('cache-control', 'no-store');
    const found = localSession(ctx, request, rt, ['second_factor']);
    if (!found) return sendPasskeyError(reply, 'session_required');
    return { available: ctx.passkeys.listFor(found.user.id).length > 0 };
  });

  app.post('/api/passkeys/second-factor/options', async (request, reply) => {
    const rt = ctx.runtime();
    const refused = refusePasskeyWrite(ctx, request, reply, rt);
    if (refused) return refused;
    const found = localSession(ctx, request, rt, ['second_factor']);
    if (!found) return sendPasskeyError(reply, 'session_required');
    const allowed = ctx.passkeys.listFor(found.user.id);
    if (allowed.length === 0) return sendPasskeyError(reply, 'no_passkey');
    const issued = await challenges.issue({ ceremony: 'authentication', purpose: 'second_factor', userId: found.user.id, sessionId: found.session.id });
    const options = await passkeyAuthenticationOptions({ rp: relyingPartyOf(rt), challenge: issued.challenge, timeoutMs: CEREMONY_TIMEOUT_MS, allowed });
    setCeremonyCookie(reply, issued.ceremonyId, rt.cookie.secure);
    return reply.header('cache-control', 'no-store').send({ options });
  });

  app.post<{ Body: VerifyBody }>('/api/passkeys/second-factor/verify', async (request, reply): Promise<FastifyReply> => {
    const rt = ctx.runtime();
    const refused = refusePasskeyWrite(ctx, request, reply, rt);
    if (refused) return refused;
    const ceremony = await challenges.take(readCeremonyId(request));
    clearCeremonyCookie(reply, rt.cookie.secure);
    const found = localSession(ctx, request, rt, ['second_factor']);
    if (!found) return sendPasskeyError(reply, 'session_required');
    const body = (request.body ?? {}) as VerifyBody;
    const { user, session } = found;
    const result = await verifyPasskeyAuthentication({
      response: body.response,
      ceremony,
      purposes: ['second_factor'],
      rp: relyingPartyOf(rt),
      findPasskey: (id) => ctx.passkeys.find(id),
      session: { userId: user.id, sessionId: session.id },
    });
    if (!result.ok) {
      await auditFailure(request, rt, 'second_factor', result, user.username, user.username);
      return sendFailure(reply, result);
    }
    const used = await ctx.passkeys.recordUse(result.entry, result);
    if ('ok' in used) {
      await auditFailure(request, rt, 'second_factor', used, user.username, user.username);
      return sendFailure(reply, used);
    }
    await upgradeSession(ctx, request, reply, rt, session, result.amr);
    await ctx.audit.record({ event: 'passkey.use', actor: user.username, target: user.username, ip: clientIp(request, rt.trustedProxies), outcome: 'success', details: { purpose: session.pending ? 'second_factor' : 'step_up', passkey: used.name, amr: result.amr } });
    return reply.header('cache-control', 'no-store').send({ status: 'signed_in', user: user.username, acr: 'aal2', location: landing(rt, body.rd) });
  });
}
