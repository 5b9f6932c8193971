import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Credentials, Principal } from '../../strategies/types.js';
import type { AppContext } from '../app-context.js';
import type { Runtime } from '../runtime.js';
import type { SessionRecord } from '../sessions/session-record.js';
import { clientIp } from './client-ip.js';
import { presentedCredentials } from './credentials.js';

export interface Caller {
  readonly principal: Principal;
  /** The browser session, when the caller used one (null for Bearer/Basic or open mode). */
  readonly session: SessionRecord | null;
}

/**
 * Who is calling one of Gatehouse's own APIs: the session cookie, or an
 * Authorization header judged by the current strategy, exactly as the
 * forward-auth check would. Null when nobody is signed in or credentials are wrong.
 */
export async function identifyCaller(ctx: AppContext, request: FastifyRequest, rt: Runtime): Promise<Caller | null> {
  const presented = presentedCredentials(request.headers.authorization, request.headers.cookie);
  if (presented.kind === 'malformed') return null;
  let credentials: Credentials = { kind: 'none' };
  let session: SessionRecord | null = null;
  if (presented.kind === 'cookie') {
    session = ctx.sessions.verify(presented.value, rt.config.mode);
    if (session) credentials = { kind: 'session', principal: session.principal };
  } else {
    credentials = presented;
  }
  const result = await rt.strategy.authenticate(credentials, { clientIp: clientIp(request, rt.trustedProxies), host: rt.portal.hostname });
  return result.outcome === 'authenticated' ? { principal: result.principal, session } : null;
}

/** Sends a JSON error with no-store, the shape every Gatehouse API error has. */
export function sendApiError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ error: code, message });
}
