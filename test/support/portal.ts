import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sha256Hex } from '../../src/crypto/constant-time.js';
import { CSRF_COOKIE } from '../../src/http/csrf.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { authRequestHeaders } from './app-fixture.js';

/** The instance token the token-mode fixtures accept. */
export const INSTANCE_TOKEN = 'gh-test-instance-token-4f1c2a9b7d3e6f80a1b2c3d4e5f60718';
export const TOKEN_MODE = { mode: 'token' as const, token: { hash: sha256Hex(INSTANCE_TOKEN) } };
export const PORTAL_ORIGIN = 'https://auth.example.com';
export const TRUSTED_PEER = '127.0.0.1';

export type CheckEndpoint = 'forward-auth' | 'auth-request';
export const ENDPOINTS: readonly CheckEndpoint[] = ['forward-auth', 'auth-request'];

export interface CheckOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  cookie?: string;
  remoteAddress?: string;
  /** Replaces the generated proxy headers entirely. */
  rawHeaders?: Record<string, string | string[]>;
}

/**
 * Traefik/Caddy headers for `url`, split by hand: `new URL()` would resolve
 * dot segments and re-encode the path, hiding exactly what the tests send.
 */
export function rawForwardAuthHeaders(url: string, method = 'GET', clientIp = '203.0.113.7'): Record<string, string> {
  const match = /^([a-z]+):\/\/([^/?#]+)(.*)$/i.exec(url);
  if (!match) throw new Error(`not an absolute URL: ${url}`);
  return {
    'x-forwarded-method': method,
    'x-forwarded-proto': match[1]!,
    'x-forwarded-host': match[2]!,
    'x-forwarded-uri': match[3] || '/',
    'x-forwarded-for': clientIp,
  };
}

/** Asks `endpoint` about `url` the way its proxy would, from a trusted peer by default. */
export function check(app: FastifyInstance, endpoint: CheckEndpoint, url: string, options: CheckOptions = {}): Promise<LightMyRequestResponse> {
  const proxy = endpoint === 'forward-auth' ? rawForwardAuthHeaders(url, options.method) : authRequestHeaders(url, options.method);
  const headers: Record<string, string | string[]> = { ...(options.rawHeaders ?? proxy), ...(options.headers ?? {}) };
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  return app.inject({ method: 'GET', url: `/api/authz/${endpoint}`, headers, remoteAddress: options.remoteAddress ?? TRUSTED_PEER });
}

/** Every Set-Cookie line of a response. */
export function setCookies(res: LightMyRequestResponse): string[] {
  const value = res.headers['set-cookie'];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [String(value)];
}

/** The value a response sets for cookie `name`, or undefined. */
export function cookieFrom(res: LightMyRequestResponse, name: string): string | undefined {
  for (const line of setCookies(res)) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1);
  }
  return undefined;
}

/** The hidden csrf field of a portal form. */
export function csrfField(html: string): string {
  const match = /name="csrf" value="([^"]*)"/.exec(html);
  if (!match) throw new Error('no csrf field in the page');
  return match[1]!;
}

export interface FormState {
  /** `gatehouse_csrf=<nonce>`, to send back as a cookie. */
  csrfCookie: string;
  csrf: string;
}

/** GETs a portal form page and returns its csrf token with the cookie it is bound to. */
export async function fetchForm(app: FastifyInstance, path: '/login' | '/logout', cookie?: string): Promise<FormState> {
  const res = await app.inject({ method: 'GET', url: path, headers: cookie ? { cookie } : {} });
  if (res.statusCode !== 200) throw new Error(`GET ${path} answered ${res.statusCode}`);
  const nonce = cookieFrom(res, CSRF_COOKIE) ?? /gatehouse_csrf=([^;]+)/.exec(cookie ?? '')?.[1];
  if (!nonce) throw new Error('no csrf cookie');
  return { csrfCookie: `${CSRF_COOKIE}=${nonce}`, csrf: csrfField(res.body) };
}

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** POSTs a urlencoded form to the portal as a same-origin browser would. */
export function postForm(app: FastifyInstance, path: string, fields: Record<string, string>, cookie: string, extraHeaders: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL_ORIGIN, cookie, ...extraHeaders },
    payload: form(fields),
  });
}

/** Signs in with the instance token through the portal. Returns the session cookie value and the 303. */
export async function tokenLogin(app: FastifyInstance, token = INSTANCE_TOKEN, rd = 'https://app.example.com/home'): Promise<{ res: LightMyRequestResponse; session: string | undefined; csrfCookie: string }> {
  const { csrfCookie, csrf } = await fetchForm(app, '/login');
  const res = await postForm(app, '/login', { csrf, token, rd }, csrfCookie);
  return { res, session: cookieFrom(res, SESSION_COOKIE), csrfCookie };
}

/** Signs out through the portal form. */
export async function logout(app: FastifyInstance, session: string): Promise<LightMyRequestResponse> {
  const sessionCookie = `${SESSION_COOKIE}=${session}`;
  const { csrfCookie, csrf } = await fetchForm(app, '/logout', sessionCookie);
  return postForm(app, '/logout', { csrf }, `${sessionCookie}; ${csrfCookie}`);
}

export function sessionCookie(value: string): string {
  return `${SESSION_COOKIE}=${value}`;
}
