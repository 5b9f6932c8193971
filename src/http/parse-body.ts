import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { sendApiError } from './request-principal.js';

/**
 * Validates a JSON body against a strict schema: unknown fields, wrong types
 * and missing fields are a 400 naming each problem. Returns null after
 * sending the error.
 */
export function parseBody<S extends z.ZodType>(schema: S, request: FastifyRequest, reply: FastifyReply): z.infer<S> | null {
  const result = schema.safeParse(request.body ?? {});
  if (result.success) return result.data;
  sendApiError(reply, 400, 'invalid_request', result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; '));
  return null;
}
