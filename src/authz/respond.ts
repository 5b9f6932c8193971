import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Decision, Principal } from '../../strategies/types.js';
import { sanitizeHeaderValue } from '../http/headers.js';
import type { Target } from './target.js';

export type Endpoint = 'forward-auth' | 'auth-request';

/**
 * What a check answers, independent of the framework that sends it: the forward-auth
 * endpoints write it straight to Node's response (see check-handler.ts), proxy mode through
 * a Fastify reply.
 */
export interface CheckAnswer {
  readonly status: number;
  /** Flat name/value list, the form `ServerResponse.writeHead` takes without copying. */
  readonly headers: readonly string[];
  /** A JSON body, or none (then `headers` carry `content-length: 0`). */
  readonly body?: object;
}

const REDIRECT_WITH_302 = new Set(['GET', 'HEAD', 'OPTIONS']);
const NO_STORE = ['cache-control', 'no-store'] as const;
// An answer without a body says so: without a length, Node would send it chunked.
const NO_STORE_EMPTY = [...NO_STORE, 'content-length', '0'] as const;
const identityHeaderCache = new WeakMap<Principal, Record<string, string>>();
const allowHeaderCache = new WeakMap<Principal, readonly string[]>();
const ALLOW_ANONYMOUS: CheckAnswer = { status: 200, headers: NO_STORE_EMPTY };

/** Remote-* headers for a principal, sanitized once per principal object. */
export function identityHeaders(principal: Principal): Record<string, string> {
  let headers = identityHeaderCache.get(principal);
  if (!headers) {
    const all: Record<string, string> = {
      'remote-user': sanitizeHeaderValue(principal.username),
      // A comma inside a group name would split it into two groups upstream.
      'remote-groups': principal.groups.map(sanitizeHeaderValue).filter((g) => g && !g.includes(',')).join(','),
      'remote-email': sanitizeHeaderValue(principal.email ?? ''),
      'remote-name': sanitizeHeaderValue(principal.name ?? ''),
    };
    headers = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== ''));
    identityHeaderCache.set(principal, headers);
  }
  return headers;
}

/** The whole header list of an allowed check, built once per principal object. */
function allowHeaders(principal: Principal): readonly string[] {
  let headers = allowHeaderCache.get(principal);
  if (!headers) {
    headers = [...NO_STORE_EMPTY, ...Object.entries(identityHeaders(principal)).flat()];
    allowHeaderCache.set(principal, headers);
  }
  return headers;
}

/** A person in a browser (gets a redirect) rather than a script or XHR (gets 401). */
export function isBrowserNavigation(headers: IncomingHttpHeaders): boolean {
  const accept = headers.accept;
  return accept !== undefined && accept.includes('text/html') && headers['x-requested-with'] !== 'XMLHttpRequest';
}

export function portalLink(portal: URL, path: string, target: Target): string {
  return `${portal.origin}${path}?rd=${encodeURIComponent(target.url)}&rm=${target.originalMethod}`;
}

/** A Decision in the shape the proxy behind `endpoint` expects (see DESIGN.md's outcome table). */
export function answerFor(endpoint: Endpoint, decision: Decision, target: Target, portal: URL, requestHeaders: IncomingHttpHeaders): CheckAnswer {
  switch (decision.kind) {
    case 'allow':
      return decision.principal ? { status: 200, headers: allowHeaders(decision.principal) } : ALLOW_ANONYMOUS;
    case 'deny': {
      const headers: string[] = [...NO_STORE];
      if (decision.challenge === 'basic') headers.push('www-authenticate', 'Basic realm="Gatehouse", charset="UTF-8"');
      if (decision.challenge === 'bearer') headers.push('www-authenticate', 'Bearer realm="Gatehouse", error="invalid_token"');
      return { status: decision.status, headers, body: { error: decision.code } };
    }
    case 'login':
    case 'stepUp': {
      const location = ['location', portalLink(portal, decision.kind === 'login' ? '/login' : '/login/2fa', target)];
      const browser = endpoint === 'forward-auth' && isBrowserNavigation(requestHeaders);
      if (!browser) return { status: 401, headers: [...NO_STORE, ...location], body: { error: decision.kind === 'login' ? 'authentication_required' : 'second_factor_required' } };
      return { status: REDIRECT_WITH_302.has(target.originalMethod) ? 302 : 303, headers: [...NO_STORE_EMPTY, ...location] };
    }
  }
}

export function badRequestAnswer(code: string, message: string): CheckAnswer {
  return { status: 400, headers: NO_STORE, body: { error: code, message } };
}

/** Failing closed: the shared store has been unreachable for longer than the grace, so nothing is judged from memory any more. */
export const STORE_UNAVAILABLE_ANSWER: CheckAnswer = {
  status: 503,
  headers: [...NO_STORE, 'retry-after', '5'],
  body: { error: 'store_unavailable', message: 'Gatehouse cannot reach its state store (Redis); try again shortly' },
};

/** Failing closed: an unexpected error inside a check is a 500, never a pass. */
export const INTERNAL_ERROR_ANSWER: CheckAnswer = { status: 500, headers: NO_STORE, body: { error: 'internal_error', message: 'internal error' } };

/** Writes an answer to Node's response, with the JSON content type and length Fastify would send. */
export function writeAnswer(res: ServerResponse, answer: CheckAnswer): void {
  if (answer.body === undefined) {
    res.writeHead(answer.status, answer.headers as string[]);
    res.end();
    return;
  }
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, [...answer.headers, 'content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body))]);
  res.end(body);
}

/** Sends an answer through a Fastify reply (proxy mode, whose allowed requests go on to the app). */
export function replyAnswer(reply: FastifyReply, answer: CheckAnswer): FastifyReply {
  for (let i = 0; i < answer.headers.length; i += 2) reply.header(answer.headers[i]!, answer.headers[i + 1]);
  return reply.code(answer.status).send(answer.body);
}
