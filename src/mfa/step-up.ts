import type { Config } from '../../config/schema.js';
import type { User } from '../../config/users-schema.js';
import { parseDuration } from '../../config/duration.js';
import type { Principal } from '../../strategies/types.js';
import type { SessionRecord } from '../sessions/session-record.js';
import type { MfaService } from './mfa-service.js';

export type StepUpState =
  | { readonly ok: true; readonly remainingMs: number | null }
  | { readonly ok: false; readonly code: 'step_up_required' | 'enrol_2fa_first' | 'interactive_session_required'; readonly message: string; readonly location: string };

/**
 * May this caller perform a sensitive action (mode switch, user and role
 * changes, 2FA resets, token creation) now? A local user with a second factor
 * must have used it within the step-up window; an admin or a user required to
 * have 2FA but without one is pointed to enrolment; API tokens never qualify.
 */
export function stepUpState(input: {
  principal: Principal;
  session: SessionRecord | null;
  user: User | undefined;
  mfa: MfaService;
  config: Config;
  now: number;
}): StepUpState {
  const { principal, session, user, mfa, config, now } = input;
  if (!principal.id.startsWith('local:')) return { ok: true, remainingMs: null };
  if (!session || !user) {
    return { ok: false, code: 'interactive_session_required', message: 'Sign in with a browser session for this; API tokens cannot do it.', location: '/login' };
  }
  if (mfa.hasSecondFactor(user.id)) {
    const windowMs = parseDuration(config.security.stepUpWindow);
    const remaining = session.mfaAt === null ? 0 : session.mfaAt + windowMs - now;
    if (remaining > 0) return { ok: true, remainingMs: remaining };
    return { ok: false, code: 'step_up_required', message: 'Confirm it is you: enter a code from your authenticator app.', location: '/login/2fa' };
  }
  if (user.requires2fa || (user.role === 'admin' && config.security.requireTfaForAdmin)) {
    return { ok: false, code: 'enrol_2fa_first', message: 'Set up two-factor authentication on your profile before doing this.', location: '/profile/2fa' };
  }
  return { ok: true, remainingMs: null };
}
