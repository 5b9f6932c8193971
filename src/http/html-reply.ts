import type { FastifyReply } from 'fastify';
import { escapeHtml, Html } from './pages.js';

/**
 * CSP `form-action` sources for a page whose form ends in a redirect to a
 * protected app (the login's 303 to `rd`): browsers apply `form-action` to
 * the redirect as well, so `'self'` alone blocks the way back to the app.
 * Every port, as Traefik, nginx and Caddy may listen on non-default ones.
 */
export function redirectFormTargets(policy: { readonly domains: readonly string[]; readonly allowHttp: boolean }): string[] {
  const schemes = policy.allowHttp ? ['https', 'http'] : ['https'];
  return policy.domains.flatMap((domain) => schemes.flatMap((scheme) => [`${scheme}://${domain}:*`, `${scheme}://*.${domain}:*`]));
}

/**
 * Sends a portal page with the headers every Gatehouse page carries.
 * `formTargets`: extra `form-action` sources (see redirectFormTargets).
 */
export function sendHtml(reply: FastifyReply, status: number, body: string, formTargets: readonly string[] = []): FastifyReply {
  const formAction = ["'self'", ...formTargets].join(' ');
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .header('content-security-policy', `default-src 'self'; frame-ancestors 'none'; form-action ${formAction}; base-uri 'none'`)
    .send(body);
}

export function errorBox(message: string | undefined): Html | undefined {
  return message ? new Html(`<p class="error" role="alert">${escapeHtml(message)}</p>`) : undefined;
}

export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('cache-control', 'no-store').header('location', location).send();
}
