import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../config/users-schema.js';
import type { AppContext } from '../app-context.js';
import { sendApiError } from '../http/request-principal.js';
import { sessionAllowing } from '../http/session-cookie.js';
import { PASSKEY_ERRORS, type PasskeyErrorCode, type PasskeyFailure } from '../passkeys/passkey-errors.js';
import { originMismatchMessage, relyingPartyOf } from '../passkeys/relying-party.js';
import type { Runtime } from '../runtime.js';
import type { PendingStep, SessionRecord } from '../sessions/session-record.js';

const STATUS: Partial<Record<PasskeyErrorCode, number>> = {
  no_passkey: 409,
  origin_mismatch: 400,
  challenge_unknown: 400,
  challenge_expired: 400,
  wrong_ceremony: 400,
  invalid_response: 400,
  invalid_name: 400,
  already_registered: 409,
  account_disabled: 403,
  unsupported_mode: 400,
  session_required: 401,
  not_found: 404,
};

/** Sends a refused ceremony as `{error, message}` with the page text for its code. */
export function sendPasskeyError(reply: FastifyReply, code: PasskeyErrorCode, status?: number): FastifyReply {
  return sendApiError(reply, status ?? STATUS[code] ?? 401, code, PASSKEY_ERRORS[code]);
}

export function sendFailure(reply: FastifyReply, failure: PasskeyFailure): FastifyReply {
  return sendPasskeyError(reply, failure.code);
}

/**
 * A passkey API write must come from a Gatehouse page at the portal's own
 * origin: real JSON (DELETE has no body), the page's Origin, and its CSRF
 * token in X-CSRF-Token. A page opened at another address (127.0.0.1 instead
 * of localhost, a second host name) gets a message naming the right one.
 */
export function refusePasskeyWrite(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, rt: Runtime): FastifyReply | null {
  const type = request.headers['content-type'] ?? '';
  if (request.method !== 'DELETE' && !type.startsWith('application/json')) return sendApiError(reply, 415, 'unsupported_media_type', 'send application/json');
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== rt.portal.origin) {
    const rp = relyingPartyOf(rt);
    return reply
      .code(400)
      .header('cache-control', 'no-store')
      .send({ error: 'origin_mismatch', message: originMismatchMessage(rp, origin, rt.portal.origin), portal: rt.portal.origin, rpId: rp.id });
  }
  if (!ctx.csrf.verify(request, request.headers['x-csrf-token'], rt.portal.origin)) {
    return sendApiError(reply, 403, 'csrf_token_required', 'the page expired or came from another site: reload it and try again');
  }
  return null;
}

/** The browser's session (full, or partial with one of `pending`) and its local user. */
export function localSession(ctx: AppContext, request: FastifyRequest, rt: Runtime, pending: readonly PendingStep[] = []): { session: SessionRecord; user: User } | null {
  const session = sessionAllowing(ctx, request, rt, pending);
  if (!session || !session.principal.id.startsWith('local:')) return null;
  const user = ctx.users.findById(session.principal.id.slice('local:'.length));
  return user && !user.disabled ? { session, user } : null;
}
