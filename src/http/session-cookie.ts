import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../strategies/types.js';
import type { AppContext } from '../app-context.js';
import type { Runtime } from '../runtime.js';
import type { PendingStep, SessionRecord } from '../sessions/session-record.js';
import { clearCookie, readCookie, serializeCookie, SESSION_COOKIE } from './cookies.js';
import { clientIp } from './client-ip.js';

/**
 * Starts a new session for `principal` and sets its cookie. Any session the
 * browser held before is ended first: a login always gets a new id (no fixation).
 */
export async function startSession(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  rt: Runtime,
  principal: Principal,
  mfaAt: number | null = null,
  pending?: PendingStep,
): Promise<SessionRecord> {
  const previous = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (previous.kind === 'one') {
    const id = ctx.sessions.ownedId(previous.value);
    if (id) await ctx.sessions.revoke(id);
  }
  const { cookieValue, record } = await ctx.sessions.create({
    mode: rt.config.mode,
    principal,
    amr: principal.amr,
    acr: principal.acr,
    mfaAt,
    ip: clientIp(request, rt.trustedProxies),
    userAgent: request.headers['user-agent'] ?? '',
    ...(pending ? { pending } : {}),
  });
  reply.header('set-cookie', serializeCookie(SESSION_COOKIE, cookieValue, { secure: rt.cookie.secure, domain: rt.cookie.domain, maxAgeSeconds: Math.floor((record.expiresAt - record.createdAt) / 1000) }));
  return record;
}

/**
 * The session this browser holds, also when it is partial with one of the
 * `pending` steps allowed: for the pages that finish a login.
 */
export function sessionAllowing(ctx: AppContext, request: FastifyRequest, rt: Runtime, pending: readonly PendingStep[]): SessionRecord | null {
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (cookie.kind !== 'one') return null;
  const full = ctx.sessions.verify(cookie.value, rt.config.mode);
  if (full) return full;
  const partial = ctx.sessions.verifyPending(cookie.value, rt.config.mode);
  return partial && partial.pending && pending.includes(partial.pending) ? partial : null;
}

/** The live session this browser holds under the current mode, if any. */
export function currentSession(ctx: AppContext, request: FastifyRequest, rt: Runtime): SessionRecord | null {
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  return cookie.kind === 'one' ? ctx.sessions.verify(cookie.value, rt.config.mode) : null;
}

/** Ends the browser's session (only when it holds the full id.secret) and clears the cookie. */
export async function endSession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, rt: Runtime): Promise<SessionRecord | null> {
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  let ended: SessionRecord | null = null;
  if (cookie.kind === 'one') {
    const id = ctx.sessions.ownedId(cookie.value);
    if (id) {
      ended = ctx.sessions.get(id) ?? null;
      await ctx.sessions.revoke(id);
    }
  }
  reply.header('set-cookie', clearCookie(SESSION_COOKIE, { secure: rt.cookie.secure, domain: rt.cookie.domain }));
  return ended;
}
