import type { FastifyReply, FastifyRequest } from 'fastify';
import { isBrowserNavigation } from '../authz/respond.js';
import { sendHtml } from './html-reply.js';
import { page } from './pages.js';

const MESSAGE = 'Gatehouse cannot reach its state store (Redis) right now, so nothing was changed. Try again in a minute.';

/**
 * The answer to a request that needed the shared store during an outage: 503
 * with a page a person can read, or `{"error":"store_unavailable"}` for
 * scripts. Whatever the request wanted did not happen; nothing half-done.
 */
export function sendStoreUnavailable(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('retry-after', '5');
  if (isBrowserNavigation(request.headers)) {
    return sendHtml(reply, 503, page('Temporarily unavailable', 'home', { status: MESSAGE, link: /^\/(?![/\\])/.test(request.url) ? request.url : '/', linkText: 'Try again' }, { openMode: false }));
  }
  return reply.code(503).header('cache-control', 'no-store').send({ error: 'store_unavailable', message: MESSAGE });
}
