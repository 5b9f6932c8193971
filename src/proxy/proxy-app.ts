import type { IncomingHttpHeaders } from 'node:http';
import httpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Decision, Principal } from '../../strategies/types.js';
import type { AppContext } from '../app-context.js';
import { decisionFor, judge, type Refusal } from '../authz/judge.js';
import { answerFor, badRequestAnswer, replyAnswer, STORE_UNAVAILABLE_ANSWER } from '../authz/respond.js';
import { normalizeHost, type RawTarget, type Target } from '../authz/target.js';
import { normalizeIp } from '../../config/network.js';
import { readSingleHeaders } from '../http/headers.js';
import type { Runtime } from '../runtime.js';
import { upstreamHeaders, websocketUpstreamHeaders } from './upstream-headers.js';
import { recheckWhileOpen } from './websocket-recheck.js';

/** Largest WebSocket message relayed (ws's own default is 100 MiB, a lot to buffer per connection). */
const MAX_WEBSOCKET_MESSAGE_BYTES = 16 * 1024 * 1024;

/** What the check decided for a request that may go through, kept for the header rewrite. */
interface Admitted {
  readonly upstream: string;
  readonly host: string;
  readonly clientIp: string;
  readonly principal: Principal | null;
}

const admitted = new WeakMap<FastifyRequest, Admitted>();

/** What the proxy's check made of a request (see `evaluate`); the re-check of an open WebSocket reads only `decided`/allow. */
type Evaluation =
  | { readonly kind: 'unknownApp' }
  | { readonly kind: 'refused'; readonly refusal: Refusal }
  | { readonly kind: 'decided'; readonly upstream: string; readonly target: Target; readonly decision: Decision };

const isWebSocketHandshake = (request: FastifyRequest): boolean => request.headers.upgrade?.toLowerCase() === 'websocket';

/** `rewriteRequestHeaders` is documented by @fastify/http-proxy for wsClientOptions but missing from its types. */
type WebSocketClientOptions = NonNullable<FastifyHttpProxyOptions['wsClientOptions']> & {
  rewriteRequestHeaders(headers: IncomingHttpHeaders, request: FastifyRequest): IncomingHttpHeaders;
};

/**
 * Proxy mode, for setups without Traefik, nginx or Caddy in front: a second listener
 * (GATEHOUSE_PROXY_PORT) that answers each request for a host in `proxy.apps` with the
 * very check the forward-auth endpoints run, and forwards the allowed ones to the app.
 *
 * This listener faces clients directly, so it trusts no forwarding header: the client is
 * the socket's peer and the scheme is plain http (which `allowHttp` must permit). Hosts
 * are looked up in the config in force, so adding an app needs no restart.
 */
export async function buildProxyApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log.child({ listener: 'proxy' }) as FastifyBaseLogger,
    disableRequestLogging: true,
    trustProxy: false,
    requestIdHeader: false,
    return503OnClosing: true,
  });

  function refuse(reply: FastifyReply, code: string, message: string): FastifyReply {
    ctx.metrics.countCheck('proxy', 'bad_request');
    return replyAnswer(reply, badRequestAnswer(code, message));
  }

  function refuseUnavailable(reply: FastifyReply): FastifyReply {
    ctx.metrics.countCheck('proxy', 'store_unavailable');
    return replyAnswer(reply, STORE_UNAVAILABLE_ANSWER);
  }

  function refuseHost(reply: FastifyReply, host: string | undefined): FastifyReply {
    ctx.metrics.countCheck('proxy', 'bad_request');
    return reply.code(404).header('cache-control', 'no-store').send({ error: 'unknown_app', message: `no app is proxied for host ${host ?? '(none)'}` });
  }

  /**
   * The check for one proxied request: the app its Host names, then the same judging and
   * decision as the forward-auth endpoints. Run for every request, and again for an open
   * WebSocket with what its handshake presented, so both ask exactly the same questions.
   */
  async function evaluate(rt: Runtime, hostHeader: string | undefined, raw: RawTarget, authorization: string | undefined, cookie: string | undefined): Promise<Evaluation> {
    const host = hostHeader === undefined ? null : normalizeHost(hostHeader);
    const app = host ? rt.config.proxy.apps.find((a) => a.host === host.host) : undefined;
    if (!app) return { kind: 'unknownApp' };
    const judged = judge(ctx, rt, raw, authorization, cookie);
    if (!judged.ok) return { kind: 'refused', refusal: judged };
    const auth = judged.auth instanceof Promise ? await judged.auth : judged.auth;
    return { kind: 'decided', upstream: app.upstream, target: judged.target, decision: decisionFor(ctx, rt, judged.target, auth) };
  }

  async function check(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const rt = ctx.runtime();
    if (!ctx.storeHealth.checksJudged) return refuseUnavailable(reply);
    const h = readSingleHeaders(request.raw, ['host', 'authorization'] as const);
    if (!h) return refuse(reply, 'duplicate_header', 'the Host or Authorization header appears more than once');
    const raw: RawTarget = { method: request.method, proto: 'http', host: h.host, uri: request.raw.url, clientIp: normalizeIp(request.socket.remoteAddress ?? '') };
    const cookie = request.headers.cookie;
    const result = await evaluate(rt, h.host, raw, h.authorization, cookie);
    if (result.kind === 'unknownApp') return refuseHost(reply, h.host);
    if (result.kind === 'refused') {
      if (result.refusal.logged) request.log.info({ code: result.refusal.code }, `proxy input refused: ${result.refusal.message}`);
      return refuse(reply, result.refusal.code, result.refusal.message);
    }
    const { decision, target } = result;
    ctx.metrics.countCheck('proxy', decision.kind);
    if (decision.kind !== 'allow') {
      request.log.debug({ decision: decision.kind, rule: decision.rule, host: target.host }, 'proxy decision');
      // A browser gets the portal redirect, a script 401/403: the forward-auth answers, sent to the client.
      return replyAnswer(reply, answerFor('forward-auth', decision, target, rt.portal, request.headers));
    }
    // The app gets the Host the client sent (port included), for the absolute URLs it builds.
    admitted.set(request, { upstream: result.upstream, host: h.host!, clientIp: target.clientIp, principal: decision.principal });
    if (isWebSocketHandshake(request)) {
      const stillAllowed = async () => {
        if (!ctx.storeHealth.checksJudged) return false;
        const again = await evaluate(ctx.runtime(), h.host, raw, h.authorization, cookie);
        return again.kind === 'decided' && again.decision.kind === 'allow';
      };
      recheckWhileOpen(request.raw.socket, stillAllowed, (reason, error) => {
        if (reason === 'error') request.log.error({ err: error }, 'WebSocket re-check failed; connection closed');
        else request.log.info({ host: target.host, user: decision.principal?.username }, 'WebSocket closed: its check no longer passes');
      });
    }
    return undefined;
  }

  const wsClientOptions: WebSocketClientOptions = {
    maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES,
    rewriteRequestHeaders: (_headers, request) => websocketUpstreamHeaders(request.headers, admitted.get(request)!),
  };
  await app.register(httpProxy, {
    upstream: '',
    disableRequestLogging: true,
    preHandler: check,
    // A WebSocket handshake is a GET like any other: it is checked by the same preHandler
    // before anything reaches the app, and refused handshakes get the check's answer.
    websocket: true,
    wsServerOptions: { maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES },
    wsClientOptions,
    replyOptions: {
      getUpstream: (request) => admitted.get(request as FastifyRequest)!.upstream,
      rewriteRequestHeaders: (request, headers) => {
        const seen = admitted.get(request as FastifyRequest)!;
        return upstreamHeaders(headers, seen);
      },
    },
  });
  return app;
}
