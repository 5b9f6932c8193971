import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../../config/users-schema.js';
import type { AppContext } from '../../app-context.js';
import { seeOther } from '../../http/html-reply.js';
import { startSession } from '../../http/session-cookie.js';
import type { Runtime } from '../../runtime.js';
import { userPrincipal } from '../../users/principal.js';

/** What a correct password leads to: straight in, a second factor, or enrolment first. */
export type NextStep = 'done' | 'second_factor' | 'enrolment';

export function nextStepAfterPassword(ctx: AppContext, user: User): NextStep {
  if (ctx.mfa.hasSecondFactor(user.id)) return 'second_factor';
  if (user.requires2fa) return 'enrolment';
  return 'done';
}

/** Where a partial session goes next, carrying the final destination along. */
export function pendingLocation(step: Exclude<NextStep, 'done'>, landing: string): string {
  return `${step === 'second_factor' ? '/login/2fa' : '/profile/2fa'}?rd=${encodeURIComponent(landing)}`;
}

/**
 * After a correct password: a full session (aal1) when no second factor is
 * owed, otherwise a partial one that only the 2FA or enrolment pages accept.
 */
export async function finishPasswordLogin(ctx: AppContext, rt: Runtime, user: User, request: FastifyRequest, reply: FastifyReply, landing: string): Promise<FastifyReply> {
  const step = nextStepAfterPassword(ctx, user);
  if (step === 'done') {
    await startSession(ctx, request, reply, rt, userPrincipal(user));
    // A password printed by `gatehouse recover` is replaced before anything else.
    return seeOther(reply, user.mustChangePassword ? '/profile' : landing);
  }
  await startSession(ctx, request, reply, rt, userPrincipal(user), null, step);
  return seeOther(reply, pendingLocation(step, landing));
}
