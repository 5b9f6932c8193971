import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { CheckHandler } from '../authz/check-handler.js';
import type { Endpoint } from '../authz/respond.js';

const CHECK_PATHS: ReadonlyMap<string, Endpoint> = new Map([
  ['/api/authz/forward-auth', 'forward-auth'],
  ['/api/authz/auth-request', 'auth-request'],
]);

/**
 * The endpoint a plain `GET` to a check path asks, for the server to answer before
 * Fastify routes it. Anything else (HEAD, an odd spelling of the path) is left to the
 * Fastify routes below, which run the same handler.
 */
export function checkEndpointOf(req: IncomingMessage): Endpoint | undefined {
  if (req.method !== 'GET') return undefined;
  const url = req.url ?? '';
  const query = url.indexOf('?');
  return CHECK_PATHS.get(query === -1 ? url : url.slice(0, query));
}

/** The check endpoints as Fastify routes: the handler writes the answer itself, so Fastify lets go of the reply. */
export function forwardAuthRoutes(app: FastifyInstance, handle: CheckHandler): void {
  for (const [path, endpoint] of CHECK_PATHS) {
    app.get(path, (request, reply) => {
      reply.hijack();
      handle(request.raw, reply.raw, endpoint, request.log);
    });
  }
}
