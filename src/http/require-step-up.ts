import type { FastifyReply } from 'fastify';
import type { AppContext } from '../app-context.js';
import { stepUpState } from '../mfa/step-up.js';
import type { Runtime } from '../runtime.js';
import type { Caller } from './request-principal.js';
import { sendApiError } from './request-principal.js';

/**
 * Refuses a sensitive action unless the caller passed a second factor within
 * the step-up window (or has none and needs none). Sends a 403 naming what to
 * do and where; returns false when refused.
 */
export function requireStepUp(ctx: AppContext, reply: FastifyReply, rt: Runtime, caller: Caller): boolean {
  const user = caller.principal.id.startsWith('local:') ? ctx.users.findById(caller.principal.id.slice(6)) : undefined;
  const state = stepUpState({ principal: caller.principal, session: caller.session, user, mfa: ctx.mfa, config: rt.config, now: ctx.now() });
  if (state.ok) return true;
  reply.header('location', `${rt.portal.origin}${state.location}`);
  sendApiError(reply, 403, state.code, state.message);
  return false;
}
