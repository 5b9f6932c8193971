import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../../config/users-schema.js';
import type { AppContext } from '../../app-context.js';
import { seeOther } from '../../http/html-reply.js';
import { startSession } from '../../http/session-cookie.js';
import type { Runtime } from '../../runtime.js';
import type { PendingStep } from '../../sessions/session-record.js';
import { userPrincipal } from '../../users/principal.js';

/** What a correct password leads to: straight in, or a partial session for what is still owed. */
export type NextStep = 'done' | PendingStep;

export function nextStepAfterPassword(ctx: AppContext, user: User): NextStep {
  // A one-time password (printed by `gatehouse recover`) is replaced before
  // anything else; a second factor, if any, is still asked for after that.
  if (user.mustChangePassword) return 'password_change';
  if (ctx.mfa.hasSecondFactor(user.id)) return 'second_factor';
  if (user.requires2fa) return 'enrolment';
  return 'done';
}

const PENDING_PAGES: Record<PendingStep, string> = {
  second_factor: '/login/2fa',
  enrolment: '/profile/2fa',
  password_change: '/profile/password',
};

/** Where a partial session goes next, carrying the final destination along. */
export function pendingLocation(step: PendingStep, landing: string): string {
  return `${PENDING_PAGES[step]}?rd=${encodeURIComponent(landing)}`;
}

/**
 * After a correct password: a full session (aal1) when nothing more is
 * owed, otherwise a partial one that only the page for that step accepts.
 */
export async function finishPasswordLogin(ctx: AppContext, rt: Runtime, user: User, request: FastifyRequest, reply: FastifyReply, landing: string): Promise<FastifyReply> {
  const step = nextStepAfterPassword(ctx, user);
  if (step === 'done') {
    await startSession(ctx, request, reply, rt, userPrincipal(user));
    return seeOther(reply, landing);
  }
  await startSession(ctx, request, reply, rt, userPrincipal(user), null, step);
  return seeOther(reply, pendingLocation(step, landing));
}
