import type { FastifyReply } from 'fastify';
import { escapeHtml, Html } from './pages.js';

/** Sends a portal page with the headers every Gatehouse page carries. */
export function sendHtml(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    .send(body);
}

export function errorBox(message: string | undefined): Html | undefined {
  return message ? new Html(`<p class="error" role="alert">${escapeHtml(message)}</p>`) : undefined;
}

export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('cache-control', 'no-store').header('location', location).send();
}
