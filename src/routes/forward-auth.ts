import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NetworkList } from '../../config/network.js';
import type { AuthResult } from '../../strategies/types.js';
import { decisionFor, judge } from '../authz/judge.js';
import { sendBadRequest, sendDecision, type Endpoint } from '../authz/respond.js';
import { splitOriginalUrl, type RawTarget, type Target } from '../authz/target.js';
import { readSingleHeaders } from '../http/headers.js';
import type { AppContext } from '../app-context.js';
import type { Runtime } from '../runtime.js';

// Each endpoint reads only the headers its proxy overwrites: nginx passes a
// client's X-Forwarded-* through untouched, Traefik passes X-Original-*.
const FORWARD_AUTH_HEADERS = ['x-forwarded-method', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-uri', 'x-forwarded-for', 'authorization'] as const;
const AUTH_REQUEST_HEADERS = ['x-original-url', 'x-original-method', 'x-forwarded-for', 'authorization'] as const;

function rawForwardAuth(h: Record<(typeof FORWARD_AUTH_HEADERS)[number], string | undefined>): RawTarget {
  return { method: h['x-forwarded-method'], proto: h['x-forwarded-proto'], host: h['x-forwarded-host'], uri: h['x-forwarded-uri'], clientIp: h['x-forwarded-for'] };
}

function rawAuthRequest(h: Record<(typeof AUTH_REQUEST_HEADERS)[number], string | undefined>): RawTarget | null {
  const url = h['x-original-url'];
  const parts = url === undefined ? undefined : splitOriginalUrl(url);
  if (parts === null) return null;
  return { method: h['x-original-method'], proto: parts?.proto, host: parts?.host, uri: parts?.uri, clientIp: h['x-forwarded-for'] };
}

// A proxy keeps its connections to Gatehouse open, and a socket's peer never changes: judge
// the peer once per socket and trustedProxies list (a config change brings a new list).
const trustedSockets = new WeakMap<Socket, NetworkList>();

function isTrustedPeer(socket: Socket, trustedProxies: NetworkList): boolean {
  if (trustedSockets.get(socket) === trustedProxies) return true;
  if (!trustedProxies.has(socket.remoteAddress ?? '')) return false;
  trustedSockets.set(socket, trustedProxies);
  return true;
}

export function forwardAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  function refuse(reply: FastifyReply, endpoint: Endpoint, code: string, message: string): FastifyReply {
    ctx.metrics.countCheck(endpoint, 'bad_request');
    return sendBadRequest(reply, code, message);
  }

  /**
   * Synchronous unless the strategy has to wait (e.g. a password hash): an async handler
   * would cost a promise and a few microtask turns on every check.
   */
  function check(request: FastifyRequest, reply: FastifyReply, endpoint: Endpoint): FastifyReply | Promise<FastifyReply> {
    const rt = ctx.runtime();
    if (!isTrustedPeer(request.socket, rt.trustedProxies)) {
      request.log.warn({ peer: request.socket.remoteAddress }, 'forward-auth request from an untrusted peer (add it to trustedProxies if it is your proxy)');
      return refuse(reply, endpoint, 'untrusted_peer', 'this peer is not in trustedProxies');
    }
    let raw: RawTarget | null;
    let authorization: string | undefined;
    if (endpoint === 'forward-auth') {
      const h = readSingleHeaders(request.raw, FORWARD_AUTH_HEADERS);
      if (!h) return refuse(reply, endpoint, 'duplicate_header', 'a forwarded or Authorization header appears more than once');
      raw = rawForwardAuth(h);
      authorization = h.authorization;
    } else {
      const h = readSingleHeaders(request.raw, AUTH_REQUEST_HEADERS);
      if (!h) return refuse(reply, endpoint, 'duplicate_header', 'a forwarded or Authorization header appears more than once');
      raw = rawAuthRequest(h);
      authorization = h.authorization;
    }
    if (!raw) return refuse(reply, endpoint, 'bad_original_url', 'X-Original-URL is not an absolute URL');
    const judged = judge(ctx, rt, raw, authorization, request.headers.cookie);
    if (!judged.ok) {
      if (judged.logged) request.log.info({ code: judged.code }, `forward-auth input refused: ${judged.message}`);
      return refuse(reply, endpoint, judged.code, judged.message);
    }
    const { target, auth } = judged;
    if (auth instanceof Promise) return auth.then((result) => answer(request, reply, endpoint, target, result, rt));
    return answer(request, reply, endpoint, target, auth, rt);
  }

  function answer(request: FastifyRequest, reply: FastifyReply, endpoint: Endpoint, target: Target, auth: AuthResult, rt: Runtime): FastifyReply {
    const decision = decisionFor(ctx, rt, target, auth);
    ctx.metrics.countCheck(endpoint, decision.kind);
    if (decision.kind !== 'allow') request.log.debug({ decision: decision.kind, rule: decision.rule, host: target.host }, 'forward-auth decision');
    return sendDecision(reply, endpoint, decision, target, rt.portal);
  }

  app.get('/api/authz/forward-auth', (request, reply) => check(request, reply, 'forward-auth'));
  app.get('/api/authz/auth-request', (request, reply) => check(request, reply, 'auth-request'));
}
