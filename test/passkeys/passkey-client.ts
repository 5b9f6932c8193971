/**
 * A browser as far as the passkey API sees it: a cookie jar, the portal's
 * Origin, the page's CSRF token, and a software authenticator on the side.
 * Drives the real routes through `app.inject()`.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { PORTAL } from '../support/login.js';
import type { SoftAuthenticator, Tamper } from './soft-authenticator.js';

export class PasskeyClient {
  readonly cookies = new Map<string, string>();
  private csrf: string | undefined;

  constructor(
    private readonly app: FastifyInstance,
    readonly origin: string = PORTAL,
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Keeps cookies as a browser would; only the names matter here (paths are all under /). */
  absorb(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const line of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.absorb(await this.app.inject({ method: 'GET', url, remoteAddress: '127.0.0.1', headers: { cookie: this.cookieHeader(), accept: 'application/json', ...headers } }));
  }

  /** A JSON write as passkeys.js makes it: Origin, X-CSRF-Token, application/json. */
  async send(method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    if (!this.csrf) this.csrf = ((await this.get('/api/auth/csrf')).json() as { token: string }).token;
    const base: Record<string, string> = { origin: this.origin, 'x-csrf-token': this.csrf, cookie: this.cookieHeader(), accept: 'application/json' };
    if (body !== undefined) base['content-type'] = 'application/json';
    const res = await this.app.inject({ method, url, remoteAddress: '127.0.0.1', headers: { ...base, ...headers }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
    return this.absorb(res);
  }

  async passwordLogin(username: string, password: string): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/json', origin: this.origin, cookie: this.cookieHeader() },
      payload: JSON.stringify({ username, password }),
    });
    if (res.statusCode !== 200) throw new Error(`password login failed: ${res.statusCode} ${res.body}`);
    return this.absorb(res);
  }

  /** /profile's "Add a passkey": options → authenticator → verify. */
  async register(auth: SoftAuthenticator, tamper: Tamper = {}, attachment = 'platform'): Promise<LightMyRequestResponse> {
    const options = await this.send('POST', '/api/passkeys/registration/options', { attachment });
    if (options.statusCode !== 200) return options;
    return this.send('POST', '/api/passkeys/registration/verify', { response: auth.register(options.json().options, tamper) });
  }

  /** "Sign in with a passkey" (or, with `secondFactor`, the button on /login/2fa). */
  async authenticate(auth: SoftAuthenticator, options: { secondFactor?: boolean; rd?: string; tamper?: Tamper } = {}): Promise<LightMyRequestResponse> {
    const base = options.secondFactor ? '/api/passkeys/second-factor' : '/api/passkeys/sign-in';
    const started = await this.send('POST', `${base}/options`, {});
    if (started.statusCode !== 200) return started;
    return this.send('POST', `${base}/verify`, { response: auth.assert(started.json().options, options.tamper), ...(options.rd ? { rd: options.rd } : {}) });
  }

  async status(): Promise<{ statusCode: number; body: Record<string, unknown> }> {
    const res = await this.get('/api/auth/status');
    return { statusCode: res.statusCode, body: res.json() };
  }
}
