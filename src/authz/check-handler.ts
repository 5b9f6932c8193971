import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { NetworkList } from '../../config/network.js';
import type { AuthResult } from '../../strategies/types.js';
import type { AppContext } from '../app-context.js';
import { readSingleHeaders } from '../http/headers.js';
import type { Runtime } from '../runtime.js';
import { decisionFor, judge } from './judge.js';
import { answerFor, badRequestAnswer, INTERNAL_ERROR_ANSWER, STORE_UNAVAILABLE_ANSWER, writeAnswer, type CheckAnswer, type Endpoint } from './respond.js';
import { splitOriginalUrl, type RawTarget, type Target } from './target.js';
import { isStoreUnavailable } from '../backend/store-unavailable.js';

/** Answers one forward-auth check on Node's own request and response. Never throws. */
export type CheckHandler = (req: IncomingMessage, res: ServerResponse, endpoint: Endpoint, log: FastifyBaseLogger) => void;

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

/**
 * The forward-auth check as a plain Node handler. It needs nothing from Fastify, so the
 * server can hand check requests to it before Fastify builds its request and reply
 * (check-first-server.ts), and the Fastify routes (inject tests, HEAD) call it too.
 *
 * Synchronous unless the strategy has to wait (e.g. a password hash): an async handler
 * would cost a promise and a few microtask turns on every check.
 */
export function createCheckHandler(ctx: AppContext): CheckHandler {
  function refusal(endpoint: Endpoint, code: string, message: string): CheckAnswer {
    ctx.metrics.countCheck(endpoint, 'bad_request');
    return badRequestAnswer(code, message);
  }

  function unavailable(endpoint: Endpoint): CheckAnswer {
    ctx.metrics.countCheck(endpoint, 'store_unavailable');
    return STORE_UNAVAILABLE_ANSWER;
  }

  function answer(req: IncomingMessage, endpoint: Endpoint, target: Target, auth: AuthResult, rt: Runtime, log: FastifyBaseLogger): CheckAnswer {
    const decision = decisionFor(ctx, rt, target, auth);
    ctx.metrics.countCheck(endpoint, decision.kind);
    if (decision.kind !== 'allow') log.debug({ decision: decision.kind, rule: decision.rule, host: target.host }, 'forward-auth decision');
    return answerFor(endpoint, decision, target, rt.portal, req.headers);
  }

  function check(req: IncomingMessage, endpoint: Endpoint, log: FastifyBaseLogger): CheckAnswer | Promise<CheckAnswer> {
    const rt = ctx.runtime();
    if (!ctx.storeHealth.checksJudged) return unavailable(endpoint);
    if (!isTrustedPeer(req.socket, rt.trustedProxies)) {
      log.warn({ peer: req.socket.remoteAddress }, 'forward-auth request from an untrusted peer (add it to trustedProxies if it is your proxy)');
      return refusal(endpoint, 'untrusted_peer', 'this peer is not in trustedProxies');
    }
    let raw: RawTarget | null;
    let authorization: string | undefined;
    if (endpoint === 'forward-auth') {
      const h = readSingleHeaders(req, FORWARD_AUTH_HEADERS);
      if (!h) return refusal(endpoint, 'duplicate_header', 'a forwarded or Authorization header appears more than once');
      raw = rawForwardAuth(h);
      authorization = h.authorization;
    } else {
      const h = readSingleHeaders(req, AUTH_REQUEST_HEADERS);
      if (!h) return refusal(endpoint, 'duplicate_header', 'a forwarded or Authorization header appears more than once');
      raw = rawAuthRequest(h);
      authorization = h.authorization;
    }
    if (!raw) return refusal(endpoint, 'bad_original_url', 'X-Original-URL is not an absolute URL');
    const judged = judge(ctx, rt, raw, authorization, req.headers.cookie);
    if (!judged.ok) {
      if (judged.logged) log.info({ code: judged.code }, `forward-auth input refused: ${judged.message}`);
      return refusal(endpoint, judged.code, judged.message);
    }
    const { target, auth } = judged;
    if (auth instanceof Promise) return auth.then((result) => answer(req, endpoint, target, result, rt, log));
    return answer(req, endpoint, target, auth, rt, log);
  }

  function fail(res: ServerResponse, log: FastifyBaseLogger, error: unknown): void {
    // A check that needed the shared store (a token or Basic pair to verify) during an outage: 503, logged once elsewhere.
    const unavailable = isStoreUnavailable(error);
    if (!unavailable) log.error({ err: error }, 'forward-auth check failed');
    if (res.headersSent) res.destroy();
    else writeAnswer(res, unavailable ? STORE_UNAVAILABLE_ANSWER : INTERNAL_ERROR_ANSWER);
  }

  return (req, res, endpoint, log) => {
    try {
      ctx.checkPeers.seen(req, endpoint);
      const answered = check(req, endpoint, log);
      if (answered instanceof Promise) answered.then((a) => writeAnswer(res, a)).catch((error: unknown) => fail(res, log, error));
      else writeAnswer(res, answered);
    } catch (error) {
      fail(res, log, error);
    }
  };
}
