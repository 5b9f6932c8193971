import { execFileSync, spawnSync } from 'node:child_process';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { User } from '../../config/users-schema.js';
import { totpCode } from '../../src/mfa/totp.js';
import type { AppFixture } from './app-fixture.js';
import { jsonWriteHeaders } from './login.js';
import { api, cookieOf, formLogin, jsonLogin, PORTAL, sessionFrom, type TestUser } from './user-password.js';

/** Enrols `user` in TOTP through the service (begin + confirm); returns the base32 secret and recovery codes. */
export async function enrolTotp(fx: AppFixture, user: User): Promise<{ secret: string; recoveryCodes: string[] }> {
  const { secret } = await fx.accounts.mfa.beginTotp(user);
  const recoveryCodes = await fx.accounts.mfa.confirmTotp(user, await totpCode(secret, fx.clock.now), { actor: 'test' });
  // The confirming code's step is spent: move on so the next code is a fresh one.
  fx.clock.now += 60_000;
  return { secret, recoveryCodes };
}

/** The user record by name, failing loudly when it is missing. */
export function userNamed(fx: AppFixture, username: string): User {
  const user = fx.accounts.users.find(username);
  if (!user) throw new Error(`no user ${username}`);
  return user;
}

/** The portal's form token and CSRF cookie from a page a browser holding `session` GETs. */
export async function formTokens(app: FastifyInstance, url: string, session?: string): Promise<{ page: LightMyRequestResponse; csrf: string; csrfCookie: string }> {
  const page = await app.inject({ method: 'GET', url, remoteAddress: '127.0.0.1', headers: session ? { cookie: cookieOf(session) } : {} });
  const csrfCookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('gatehouse_csrf='));
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!csrfCookie || !csrf) throw new Error(`${url} did not issue a form token (status ${page.statusCode}): ${page.body.slice(0, 200)}`);
  return { page, csrf, csrfCookie };
}

/** Posts a portal form as the browser holding `session` would, with a fresh form token from `formUrl`. */
export async function postForm(app: FastifyInstance, formUrl: string, postUrl: string, session: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
  const { csrf, csrfCookie } = await formTokens(app, formUrl, session);
  return app.inject({
    method: 'POST',
    url: postUrl,
    remoteAddress: '127.0.0.1',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL, cookie: `${cookieOf(session)}; ${csrfCookie}` },
    payload: new URLSearchParams({ csrf, ...fields }).toString(),
  });
}

/** Password at the portal form; returns the (partial) session it set. */
export async function passwordStep(app: FastifyInstance, user: Pick<TestUser, 'username' | 'password'>, rd = 'https://app.example.com/'): Promise<{ res: LightMyRequestResponse; session: string }> {
  const { res } = await formLogin(app, { username: user.username, password: user.password, rd });
  const session = sessionFrom(res);
  if (res.statusCode !== 303 || !session) throw new Error(`password step for ${user.username} failed: ${res.statusCode} ${res.body}`);
  return { res, session };
}

/** Submits a code (TOTP or recovery) at /login/2fa with the browser's session; the response and any new session. */
export async function codeStep(app: FastifyInstance, session: string, code: string, rd = 'https://app.example.com/'): Promise<{ res: LightMyRequestResponse; session: string | undefined }> {
  const res = await postForm(app, '/login/2fa', '/login/2fa', session, { code, rd });
  return { res, session: sessionFrom(res) };
}

/** Password + current TOTP code through the portal: the full (aal2) session. */
export async function loginWithTotp(fx: AppFixture, user: Pick<TestUser, 'username' | 'password'>, secret: string): Promise<string> {
  const { session: partial } = await passwordStep(fx.app, user);
  const { res, session } = await codeStep(fx.app, partial, await totpCode(secret, fx.clock.now));
  if (res.statusCode !== 303 || !session) throw new Error(`code step for ${user.username} failed: ${res.statusCode} ${res.body}`);
  return session;
}

/** JSON login (password), then POST /api/auth/2fa with a current code: the full session. */
export async function jsonLoginWithTotp(fx: AppFixture, user: Pick<TestUser, 'username' | 'password'>, secret: string): Promise<string> {
  const { res, session } = await jsonLogin(fx.app, user.username, user.password);
  if (res.statusCode !== 200 || !session) throw new Error(`json login failed: ${res.statusCode} ${res.body}`);
  const done = await api(fx.app, 'POST', '/api/auth/2fa', session, { code: await totpCode(secret, fx.clock.now) });
  const full = sessionFrom(done);
  if (done.statusCode !== 200 || !full) throw new Error(`json 2fa failed: ${done.statusCode} ${done.body}`);
  return full;
}

/** A code for `secret` at `atMs` from the same generator the server uses. */
export function codeAt(secret: string, atMs: number): Promise<string> {
  return totpCode(secret, atMs);
}

const OATHTOOL = '/usr/bin/oathtool';

/** True when oathtool is installed (PATH or the Debian location). */
export function hasOathtool(): boolean {
  return spawnSync('sh', ['-c', `command -v oathtool || test -x ${OATHTOOL}`], { stdio: 'ignore' }).status === 0;
}

/**
 * The TOTP code `oathtool` (OATH Toolkit, an independent implementation)
 * gives for a base32 `secret` at `atMs`. Throws, never skips, when it is missing.
 */
export function oathtoolCode(secret: string, atMs: number): string {
  if (!hasOathtool()) throw new Error('oathtool is missing: apt-get install -y oathtool (the suite never skips for a missing binary)');
  const when = new Date(atMs).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
  const out = execFileSync('oathtool', ['--totp', '-b', '--now', when, secret], { encoding: 'utf8', env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/bin` } }).trim();
  if (!/^\d{6}$/.test(out)) throw new Error(`oathtool printed ${JSON.stringify(out)}`);
  return out;
}

/** The base32 key the enrolment page shows for typing by hand. */
export function manualKeyFrom(html: string): string {
  const key = /id="manual-key"[^>]*>([A-Z2-7]+)</.exec(html)?.[1];
  if (!key) throw new Error(`no manual key on the page: ${html.slice(0, 300)}`);
  return key;
}

/** The recovery codes listed on the page shown once after enrolment or regeneration. */
export function recoveryCodesFrom(html: string): string[] {
  const list = /<ol class="codes" id="recovery-codes">([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<li>([^<]+)<\/li>/g)].map((m) => m[1]!);
}

/**
 * Enrols through the pages as a browser would: GET /profile/2fa (read the
 * manual key), then confirm with the code `codeFor(secret)` gives. Returns
 * the key, the recovery codes shown and the new (aal2) session.
 */
export async function enrolThroughPages(app: FastifyInstance, session: string, codeFor: (secret: string) => string | Promise<string>, rd?: string): Promise<{ secret: string; recoveryCodes: string[]; session: string; res: LightMyRequestResponse }> {
  const { page, csrf, csrfCookie } = await formTokens(app, rd ? `/profile/2fa?rd=${encodeURIComponent(rd)}` : '/profile/2fa', session);
  if (page.statusCode !== 200) throw new Error(`/profile/2fa answered ${page.statusCode}`);
  const secret = manualKeyFrom(page.body);
  const res = await app.inject({
    method: 'POST',
    url: '/profile/2fa/confirm',
    remoteAddress: '127.0.0.1',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL, cookie: `${cookieOf(session)}; ${csrfCookie}` },
    payload: new URLSearchParams({ csrf, code: await codeFor(secret), ...(rd ? { rd } : {}) }).toString(),
  });
  const next = sessionFrom(res);
  if (res.statusCode !== 200 || !next) throw new Error(`enrolment confirm answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
  return { secret, recoveryCodes: recoveryCodesFrom(res.body), session: next, res };
}

/** A same-origin JSON PUT or PATCH with the page's CSRF header, as the portal makes it (the shared `api` helper covers GET/POST/DELETE). */
export async function apiWrite(app: FastifyInstance, method: 'PUT' | 'PATCH', url: string, session: string, body: unknown): Promise<LightMyRequestResponse> {
  const headers = await jsonWriteHeaders(app, cookieOf(session));
  return app.inject({ method, url, remoteAddress: '127.0.0.1', headers, payload: JSON.stringify(body) });
}
