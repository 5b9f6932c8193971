import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { clientIp } from '../http/client-ip.js';
import { currentSession } from '../http/session-cookie.js';
import { stepUpState } from '../mfa/step-up.js';
import { readBrowserBundle } from '../passkeys/browser-bundle.js';
import { clearCeremonyCookie, readCeremonyId, setCeremonyCookie } from '../passkeys/ceremony-cookie.js';
import { CEREMONY_TIMEOUT_MS, CHALLENGE_CAPACITY, ChallengeStore } from '../passkeys/challenge-store.js';
import { viewOfPasskey } from '../passkeys/passkey-service.js';
import { passkeyAmr } from '../passkeys/verify-authentication.js';
import { passkeyRegistrationOptions, userHandleOf, type Attachment } from '../passkeys/registration-options.js';
import { relyingPartyOf } from '../passkeys/relying-party.js';
import { verifyPasskeyRegistration } from '../passkeys/verify-registration.js';
import type { Runtime } from '../runtime.js';
import type { SessionRecord } from '../sessions/session-record.js';
import type { User } from '../../config/users-schema.js';
import { upgradeSession } from './login-2fa.js';
import { localSession, refusePasskeyWrite, sendFailure, sendPasskeyError } from './passkey-guards.js';
import { passkeySignInRoutes } from './passkey-sign-in.js';

/**
 * Passkeys: the browser library, management on /profile (list, register,
 * rename, delete) and, in passkey-sign-in.ts, passwordless sign-in and the
 * second factor. One challenge store per app.
 */
export function passkeyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const challenges = new ChallengeStore({ now: ctx.now, random: ctx.random, store: ctx.ephemeral.oneTime('webauthn', { capacity: CHALLENGE_CAPACITY }) });
  const bundle = readBrowserBundle();
  app.get('/assets/simplewebauthn-browser.js', (_request, reply) =>
    reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(bundle),
  );

  passkeyManageRoutes(app, ctx, challenges);
  passkeySignInRoutes(app, ctx, challenges);
}

/**
 * Adding or removing a passkey is sensitive: a user with a second factor must
 * have used one within the step-up window. Someone who must enrol a second
 * factor may register a passkey (that is the enrolment).
 */
function stepUpRefusal(ctx: AppContext, rt: Runtime, session: SessionRecord, user: User, allowEnrolment: boolean) {
  const step = stepUpState({ principal: session.principal, session, user, mfa: ctx.mfa, config: rt.config, now: ctx.now() });
  if (step.ok || (allowEnrolment && step.code === 'enrol_2fa_first')) return null;
  return { error: step.code, message: step.message, location: `${step.location}?rd=${encodeURIComponent(`${rt.portal.origin}/profile`)}` };
}

function passkeyManageRoutes(app: FastifyInstance, ctx: AppContext, challenges: ChallengeStore): void {
  const audit = (request: Parameters<typeof clientIp>[0], rt: Runtime, user: User) => ({ actor: user.username, ip: clientIp(request, rt.trustedProxies) });

  app.get('/api/passkeys', (request, reply) => {
    const rt = ctx.runtime();
    reply.header('cache-control', 'no-store');
    if (!currentSession(ctx, request, rt)) return sendPasskeyError(reply, 'session_required');
    const found = localSession(ctx, request, rt);
    // Signed in, but not as a local user (token, OIDC, open mode): passkeys are not for them.
    if (!found) return sendPasskeyError(reply, 'unsupported_mode', 403);
    const rp = relyingPartyOf(rt);
    return { rpId: rp.id, passkeys: ctx.passkeys.listFor(found.user.id).map(viewOfPasskey) };
  });

  app.post<{ Body: { attachment?: unknown } }>('/api/passkeys/registration/options', async (request, reply) => {
    const rt = ctx.runtime();
    const refused = refusePasskeyWrite(ctx, request, reply, rt);
    if (refused) return refused;
    const found = localSession(ctx, request, rt);
    if (!found || found.session.pending) return sendPasskeyError(reply, 'session_required');
    const stepUp = stepUpRefusal(ctx, rt, found.session, found.user, true);
    if (stepUp) return reply.code(403).header('cache-control', 'no-store').send(stepUp);
    const requested = (request.body as { attachment?: unknown } | undefined)?.attachment;
    const attachment: Attachment = requested === 'cross-platform' ? 'cross-platform' : 'platform';
    const rp = relyingPartyOf(rt);
    const issued = await challenges.issue({ ceremony: 'registration', purpose: 'register', userId: found.user.id, sessionId: found.session.id });
    const options = await passkeyRegistrationOptions({ rp, user: found.user, existing: ctx.passkeys.listFor(found.user.id), attachment, challenge: issued.challenge, timeoutMs: CEREMONY_TIMEOUT_MS });
    setCeremonyCookie(reply, issued.ceremonyId, rt.cookie.secure);
    return reply.header('cache-control', 'no-store').send({ options });
  });

  app.post<{ Body: { response?: unknown; name?: unknown } }>('/api/passkeys/registration/verify', async (request, reply) => {
    const rt = ctx.runtime();
    const refused = refusePasskeyWrite(ctx, request, reply, rt);
    if (refused) return refused;
    // Taken before anything else: whatever happens next, this challenge is spent.
    const ceremony = await challenges.take(readCeremonyId(request));
    clearCeremonyCookie(reply, rt.cookie.secure);
    const found = localSession(ctx, request, rt);
    if (!found || found.session.pending) return sendPasskeyError(reply, 'session_required');
    const stepUp = stepUpRefusal(ctx, rt, found.session, found.user, true);
    if (stepUp) return reply.code(403).header('cache-control', 'no-store').send(stepUp);
    const body = (request.body ?? {}) as { response?: unknown; name?: unknown };
    const who = audit(request, rt, found.user);
    const result = await verifyPasskeyRegistration({
      response: body.response,
      ceremony,
      rp: relyingPartyOf(rt),
      userId: found.user.id,
      sessionId: found.session.id,
      userHandle: userHandleOf(found.user),
    });
    if (!result.ok) {
      await ctx.audit.record({ event: 'passkey.failure', actor: who.actor, target: found.user.username, ip: who.ip, outcome: 'failure', details: { during: 'registration', code: result.code, detail: result.detail ?? null } });
      return sendFailure(reply, result);
    }
    const stored = await ctx.passkeys.add(found.user, result.credential, body.name, who);
    if ('ok' in stored) return sendFailure(reply, stored);
    // The ceremony verified the person (UV) with the new passkey: like a confirmed TOTP, it counts as a second factor now.
    await upgradeSession(ctx, request, reply, rt, found.session, passkeyAmr(stored.deviceType));
    return reply.header('cache-control', 'no-store').send({ passkey: viewOfPasskey(stored) });
  });

  app.patch<{ Params: { id: string }; Body: { name?: unknown } }>('/api/passkeys/:id', async (request, reply) => {
    const rt = ctx.runtime();
    const refused = refusePasskeyWrite(ctx, request, reply, rt);
    if (refused) return refused;
    const found = localSession(ctx, request, rt);
    if (!found || found.session.pending) return sendPasskeyError(reply, 'session_required');
    const renamed = await ctx.passkeys.rename(found.user, request.params.id, (request.body as { name?: unknown } | undefined)?.name, audit(request, rt, found.user));
    if ('ok' in renamed) return sendFailure(reply, renamed);
    return reply.header('cache-control', 'no-store').send({ passkey: viewOfPasskey(renamed) });
  });

  app.delete<{ Params: { id: string } }>('/api/passkeys/:id', async (request, reply) => {
    const rt = ctx.runtime();
    const refused = refusePasskeyWrite(ctx, request, reply, rt);
    if (refused) return refused;
    const found = localSession(ctx, request, rt);
    if (!found || found.session.pending) return sendPasskeyError(reply, 'session_required');
    const stepUp = stepUpRefusal(ctx, rt, found.session, found.user, false);
    if (stepUp) return reply.code(403).header('cache-control', 'no-store').send(stepUp);
    // Someone else's passkey id answers exactly like a missing one.
    if (!(await ctx.passkeys.remove(found.user, request.params.id, audit(request, rt, found.user)))) return sendPasskeyError(reply, 'not_found');
    // Removing the last second factor ends the user's sessions (see mfa-sessions.ts); the page then signs in again.
    const signedOut = !ctx.mfa.hasSecondFactor(found.user.id);
    return reply.header('cache-control', 'no-store').send({ ok: true, signedOut });
  });
}
