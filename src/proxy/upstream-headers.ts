import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../../strategies/types.js';
import { identityHeaders } from '../authz/respond.js';

/** Headers a client must never choose: identity (also `Remote_User`, which CGI-style apps read as REMOTE_USER) and forwarding. */
const CLIENT_MAY_NOT_SET = /^(remote[-_]|x-forwarded-|x-real-ip$|forwarded$)/i;
/** Gatehouse's own cookies (session, CSRF, OIDC flow): credentials for Gatehouse, not for the app. */
const GATEHOUSE_COOKIE = /^gatehouse_/;

export interface UpstreamRequest {
  /** The Host the client asked for (the app's public name), kept for the app. */
  readonly host: string;
  readonly clientIp: string;
  readonly principal: Principal | null;
}

/** The Cookie header without Gatehouse's cookies, or undefined when nothing else is left. */
export function withoutGatehouseCookies(cookie: string | string[] | undefined): string | undefined {
  if (cookie === undefined) return undefined;
  const pairs = (Array.isArray(cookie) ? cookie.join('; ') : cookie).split(';');
  const kept = pairs.map((pair) => pair.trim()).filter((pair) => pair !== '' && !GATEHOUSE_COOKIE.test(pair.split('=', 1)[0]!.trim()));
  return kept.length > 0 ? kept.join('; ') : undefined;
}

/**
 * What the app receives. Everything a client could use to pose as someone or somewhere
 * else is dropped, then set from what Gatehouse knows: the identity headers of the
 * principal it allowed, the client's address as Gatehouse saw it, plain-http forwarding.
 * The credentials Gatehouse judged (Authorization, its cookies) stay with Gatehouse, so an
 * app, or anything it logs, never holds a session that works elsewhere.
 */
export function upstreamHeaders(incoming: IncomingHttpHeaders, request: UpstreamRequest): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || CLIENT_MAY_NOT_SET.test(name) || name === 'authorization' || name === 'cookie') continue;
    headers[name] = value;
  }
  const cookie = withoutGatehouseCookies(incoming.cookie);
  if (cookie !== undefined) headers.cookie = cookie;
  if (request.principal) Object.assign(headers, identityHeaders(request.principal));
  headers.host = request.host;
  headers['x-forwarded-for'] = request.clientIp;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-host'] = request.host;
  return headers;
}

/**
 * The WebSocket client that connects to the app makes its own handshake (key, version,
 * Connection/Upgrade; the subprotocol is passed on separately), so the client's handshake
 * and hop-by-hop headers are left out of what it is given to send.
 */
const HANDSHAKE_OR_HOP = /^(sec-websocket-|connection$|upgrade$|keep-alive$|proxy-|te$|trailer$|transfer-encoding$|content-length$)/i;

/** What the app receives on a WebSocket handshake: the same rewrite as any request, minus the client's handshake. */
export function websocketUpstreamHeaders(incoming: IncomingHttpHeaders, request: UpstreamRequest): IncomingHttpHeaders {
  const headers = upstreamHeaders(incoming, request);
  for (const name of Object.keys(headers)) if (HANDSHAKE_OR_HOP.test(name)) delete headers[name];
  return headers;
}
