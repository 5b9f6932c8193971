import type { FastifyInstance } from 'fastify';

export const PORTAL = 'https://auth.example.com';

/** GETs the login page and returns the csrf cookie + hidden form token it issued. */
export async function loginFormTokens(app: FastifyInstance): Promise<{ cookie: string; csrf: string }> {
  const page = await app.inject({ method: 'GET', url: '/login', remoteAddress: '127.0.0.1' });
  const setCookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []);
  const cookie = setCookie.map((c) => c.split(';')[0]).find((c) => c?.startsWith('gatehouse_csrf='));
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!cookie || !csrf) throw new Error(`login page did not issue a CSRF token (status ${page.statusCode})`);
  return { cookie, csrf };
}

/** Posts the login form; returns the response and the session cookie it set, if any. */
export async function postLogin(app: FastifyInstance, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const { cookie, csrf } = await loginFormTokens(app);
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: '127.0.0.1',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL, cookie, ...headers },
    payload: new URLSearchParams({ csrf, ...fields }).toString(),
  });
  const session = ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('gatehouse_session=') && c.length > 'gatehouse_session='.length);
  return { res, session };
}

/**
 * Headers for a JSON write with a session cookie: the CSRF cookie + token
 * pair from GET /api/auth/csrf, the portal Origin, and the JSON content type.
 */
export async function jsonWriteHeaders(app: FastifyInstance, sessionCookie?: string): Promise<Record<string, string>> {
  const res = await app.inject({ method: 'GET', url: '/api/auth/csrf', remoteAddress: '127.0.0.1', headers: sessionCookie ? { cookie: sessionCookie } : {} });
  const csrfCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('gatehouse_csrf='));
  const { token } = res.json() as { token: string };
  const cookie = [sessionCookie, csrfCookie].filter(Boolean).join('; ');
  return { 'content-type': 'application/json', origin: PORTAL, 'x-csrf-token': token, ...(cookie ? { cookie } : {}) };
}
