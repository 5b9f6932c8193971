import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Decision, Principal } from '../../strategies/types.js';
import { sanitizeHeaderValue } from '../http/headers.js';
import type { Target } from './target.js';

export type Endpoint = 'forward-auth' | 'auth-request';

const REDIRECT_WITH_302 = new Set(['GET', 'HEAD', 'OPTIONS']);
const identityHeaderCache = new WeakMap<Principal, Record<string, string>>();

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

/** A person in a browser (gets a redirect) rather than a script or XHR (gets 401). */
export function isBrowserNavigation(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return accept !== undefined && accept.includes('text/html') && request.headers['x-requested-with'] !== 'XMLHttpRequest';
}

export function portalLink(portal: URL, path: string, target: Target): string {
  return `${portal.origin}${path}?rd=${encodeURIComponent(target.url)}&rm=${target.originalMethod}`;
}

/** Sends a Decision in the shape the proxy behind `endpoint` expects (see DESIGN.md's outcome table). */
export function sendDecision(reply: FastifyReply, endpoint: Endpoint, decision: Decision, target: Target, portal: URL): FastifyReply {
  reply.header('cache-control', 'no-store');
  switch (decision.kind) {
    case 'allow':
      if (decision.principal) reply.headers(identityHeaders(decision.principal));
      return reply.code(200).send();
    case 'deny':
      if (decision.challenge === 'basic') reply.header('www-authenticate', 'Basic realm="Gatehouse", charset="UTF-8"');
      if (decision.challenge === 'bearer') reply.header('www-authenticate', 'Bearer realm="Gatehouse", error="invalid_token"');
      return reply.code(decision.status).send({ error: decision.code });
    case 'login':
    case 'stepUp': {
      const location = portalLink(portal, decision.kind === 'login' ? '/login' : '/login/2fa', target);
      reply.header('location', location);
      const browser = endpoint === 'forward-auth' && isBrowserNavigation(reply.request);
      if (!browser) return reply.code(401).send({ error: decision.kind === 'login' ? 'authentication_required' : 'second_factor_required' });
      return reply.code(REDIRECT_WITH_302.has(target.originalMethod) ? 302 : 303).send();
    }
  }
}

export function sendBadRequest(reply: FastifyReply, code: string, message: string): FastifyReply {
  return reply.code(400).header('cache-control', 'no-store').send({ error: code, message });
}
