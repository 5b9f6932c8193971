import { CSRF_COOKIE } from '../../src/http/csrf.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { forwardAuthHeaders } from './app-fixture.js';
import { APP_URL, PORTAL } from './user-password.js';

/** The value of cookie `name` in a response's Set-Cookie headers. */
function cookieFrom(res: Response, name: string): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    if (pair?.startsWith(`${name}=`)) return pair.slice(name.length + 1);
  }
  return undefined;
}

/**
 * What a browser and a proxy do against a replica running as its own process
 * (over real HTTP from 127.0.0.1, a trusted proxy): sign in, make an admin
 * change with the CSRF token, and ask for a forward-auth check.
 */
export class ReplicaClient {
  constructor(readonly url: string) {}

  /** JSON login; returns the session cookie's value, or the status when refused. */
  async signIn(username: string, password: string): Promise<{ status: number; session: string | undefined }> {
    const res = await fetch(`${this.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PORTAL },
      body: JSON.stringify({ username, password }),
    });
    return { status: res.status, session: cookieFrom(res, SESSION_COOKIE) };
  }

  /** A GET of the JSON API with a session cookie. */
  async get(path: string, session: string): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${this.url}${path}`, { headers: { cookie: `${SESSION_COOKIE}=${session}` } });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }

  /** An admin API write as the settings page makes it: session cookie, CSRF cookie and header, the portal's Origin. */
  async write(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, session: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const issued = await fetch(`${this.url}/api/auth/csrf`);
    const token = ((await issued.json()) as { token: string }).token;
    const headers: Record<string, string> = {
      cookie: `${SESSION_COOKIE}=${session}; ${CSRF_COOKIE}=${cookieFrom(issued, CSRF_COOKIE) ?? ''}`,
      'x-csrf-token': token,
      origin: PORTAL,
    };
    if (method !== 'DELETE') headers['content-type'] = 'application/json';
    const res = await fetch(`${this.url}${path}`, { method, headers, ...(method === 'DELETE' ? {} : { body: JSON.stringify(body ?? {}) }) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }

  /** A forward-auth check for `url` with a session cookie or an Authorization header; returns the status. */
  async check(options: { session?: string; authorization?: string; url?: string }): Promise<number> {
    const headers: Record<string, string> = forwardAuthHeaders(options.url ?? APP_URL, 'GET', '203.0.113.7');
    if (options.session) headers.cookie = `${SESSION_COOKIE}=${options.session}`;
    if (options.authorization) headers.authorization = options.authorization;
    const res = await fetch(`${this.url}/api/authz/forward-auth`, { headers });
    await res.arrayBuffer();
    return res.status;
  }
}
