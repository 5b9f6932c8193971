import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { ConfigInput } from '../../config/schema.js';
import { UserSchema, type User } from '../../config/users-schema.js';
import type { AuditEvent } from '../../src/audit/audit-log.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { passwordProblem } from '../../src/users/password-policy.js';
import { userPrincipal } from '../../src/users/principal.js';
import { usernameKey, usernameProblem } from '../../src/users/username.js';
import type { Role } from '../../strategies/types.js';
import { createAppFixture, forwardAuthHeaders, type AppFixture } from './app-fixture.js';
import { loginFormTokens, PORTAL, postLogin } from './login.js';

export { PORTAL };

export interface TestUser {
  readonly username: string;
  readonly password: string;
  readonly role: Role;
}

export const ALICE: TestUser = { username: 'alice', password: 'correct horse battery staple', role: 'admin' };
export const BOB: TestUser = { username: 'bob', password: 'bob likes long passphrases', role: 'editor' };
export const VICTOR: TestUser = { username: 'victor', password: 'viewer password 123', role: 'viewer' };

export const APP_URL = 'https://app.example.com/dash';

// bcrypt at cost 12 (the schema floor) is the slow part of these tests: a password's hash is computed once per test process.
const hashes = new Map<string, Promise<string>>();

function hashOnce(fx: AppFixture, password: string): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) {
    hash = fx.accounts.hasher.hash(password, 12);
    hashes.set(password, hash);
    hash.catch(() => hashes.delete(password));
  }
  return hash;
}

/**
 * A userPassword-mode fixture (bcrypt cost 12) with `users` already in
 * users.json, stored the way UserService.create stores them (tests of
 * create itself call the service).
 */
export async function userPasswordFixture(users: readonly TestUser[] = [ALICE], config: Partial<ConfigInput> = {}): Promise<AppFixture> {
  const { security, ...rest } = config;
  const fx = await createAppFixture({ mode: 'userPassword', ...rest, security: { bcryptCost: 12, ...(security ?? {}) } });
  const stamp = new Date(fx.clock.now).toISOString();
  const records: User[] = [];
  for (const user of users) {
    if (usernameProblem(user.username) !== null || passwordProblem(user.password) !== null) throw new Error(`fixture user ${user.username} is not valid`);
    // Through the schema, so fields with defaults are filled in as the store would.
    records.push(UserSchema.parse({
      id: randomBytes(12).toString('base64url'),
      username: user.username.normalize('NFKC'),
      usernameKey: usernameKey(user.username),
      role: user.role,
      passwordHash: await hashOnce(fx, user.password),
      createdAt: stamp,
      updatedAt: stamp,
      passwordChangedAt: stamp,
    }));
  }
  if (records.length > 0) await fx.accounts.usersStore.update((doc) => ({ ...doc, users: [...doc.users, ...records] }));
  return fx;
}

/**
 * A session for `username` made the way a password login makes one, without
 * paying for a bcrypt verify: for tests about sessions, not about logging in.
 */
export async function sessionFor(fx: AppFixture, username: string, options: { ip?: string; userAgent?: string } = {}): Promise<string> {
  const user = fx.accounts.users.find(username);
  if (!user) throw new Error(`no user ${username}`);
  const principal = userPrincipal(user);
  const { cookieValue } = await fx.sessions.create({ mode: 'userPassword', principal, amr: principal.amr, acr: principal.acr, mfaAt: null, ip: options.ip ?? '198.51.100.10', userAgent: options.userAgent ?? 'vitest' });
  return cookieValue;
}

/** The session cookie value (`id.secret`) a response sets, if any non-empty one. */
export function sessionFrom(res: LightMyRequestResponse): string | undefined {
  const lines = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  for (const line of lines) {
    const pair = line.split(';')[0]!;
    if (pair.startsWith(`${SESSION_COOKIE}=`) && pair.length > SESSION_COOKIE.length + 1) return pair.slice(SESSION_COOKIE.length + 1);
  }
  return undefined;
}

export function cookieOf(session: string): string {
  return `${SESSION_COOKIE}=${session}`;
}

/** The session id part of an `id.secret` cookie value. */
export function sessionId(session: string): string {
  return session.split('.')[0]!;
}

export interface JsonLoginOptions {
  /** Client IP as the trusted proxy reports it (X-Forwarded-For from 127.0.0.1). */
  ip?: string;
  origin?: string | null;
  contentType?: string;
  cookie?: string;
  userAgent?: string;
}

/** POST /api/auth/login as a script would. */
export async function jsonLogin(app: FastifyInstance, username: string, password: string, options: JsonLoginOptions = {}): Promise<{ res: LightMyRequestResponse; session: string | undefined }> {
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    'x-forwarded-for': options.ip ?? '198.51.100.10',
    'user-agent': options.userAgent ?? 'vitest',
  };
  if (options.origin !== null) headers.origin = options.origin ?? PORTAL;
  if (options.cookie) headers.cookie = options.cookie;
  const payload = headers['content-type']!.startsWith('application/json') ? JSON.stringify({ username, password }) : new URLSearchParams({ username, password }).toString();
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '127.0.0.1', headers, payload });
  return { res, session: sessionFrom(res) };
}

/** Signs `user` in through the JSON API and returns the session cookie value, failing loudly otherwise. */
export async function signIn(app: FastifyInstance, user: Pick<TestUser, 'username' | 'password'>, options: JsonLoginOptions = {}): Promise<string> {
  const { res, session } = await jsonLogin(app, user.username, user.password, options);
  if (res.statusCode !== 200 || !session) throw new Error(`login as ${user.username} failed: ${res.statusCode} ${res.body}`);
  return session;
}

/**
 * The portal login form as a browser posts it, from client `ip`; `extraCookie`
 * (e.g. a session cookie the browser already holds) is sent beside the CSRF cookie.
 */
export async function formLogin(app: FastifyInstance, fields: Record<string, string>, ip = '198.51.100.20', extraCookie?: string): Promise<{ res: LightMyRequestResponse; session: string | undefined }> {
  if (!extraCookie) return postLogin(app, fields, { 'x-forwarded-for': ip });
  const { cookie, csrf } = await loginFormTokens(app);
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: '127.0.0.1',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL, cookie: `${cookie}; ${extraCookie}`, 'x-forwarded-for': ip },
    payload: new URLSearchParams({ csrf, ...fields }).toString(),
  });
  return { res, session: sessionFrom(res) };
}

/** Signs out through the portal: GET /logout for its form token, then POST it as the same browser. */
export async function logoutForm(app: FastifyInstance, session: string): Promise<LightMyRequestResponse> {
  const page = await app.inject({ method: 'GET', url: '/logout', remoteAddress: '127.0.0.1', headers: { cookie: cookieOf(session) } });
  const nonce = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('gatehouse_csrf='));
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!nonce || !csrf) throw new Error(`logout page did not issue a CSRF token (status ${page.statusCode})`);
  return app.inject({
    method: 'POST',
    url: '/logout',
    remoteAddress: '127.0.0.1',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL, cookie: `${cookieOf(session)}; ${nonce}` },
    payload: new URLSearchParams({ csrf }).toString(),
  });
}

/** A forward-auth check for `url` with a session cookie and/or an Authorization header. */
export function checkAs(app: FastifyInstance, options: { session?: string; authorization?: string; url?: string; method?: string; accept?: string; ip?: string } = {}): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = forwardAuthHeaders(options.url ?? APP_URL, options.method ?? 'GET', options.ip ?? '203.0.113.7');
  if (options.session) headers.cookie = cookieOf(options.session);
  if (options.authorization) headers.authorization = options.authorization;
  if (options.accept) headers.accept = options.accept;
  return app.inject({ method: 'GET', url: '/api/authz/forward-auth', remoteAddress: '127.0.0.1', headers });
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * A same-origin JSON request to one of Gatehouse's own APIs with a session,
 * as the portal's own pages make it: writes carry the page's CSRF token
 * (X-CSRF-Token with its cookie) when the instance hands one out.
 */
export async function api(app: FastifyInstance, method: 'GET' | 'POST' | 'DELETE', url: string, session?: string, body?: unknown): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { origin: PORTAL };
  const cookies = session ? [cookieOf(session)] : [];
  if (method !== 'GET') {
    const issued = await app.inject({ method: 'GET', url: '/api/auth/csrf', remoteAddress: '127.0.0.1', headers: session ? { cookie: cookieOf(session) } : {} });
    if (issued.statusCode === 200) {
      const nonce = ([] as string[]).concat(issued.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('gatehouse_csrf='));
      if (nonce) cookies.push(nonce);
      headers['x-csrf-token'] = (issued.json() as { token: string }).token;
    }
  }
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  if (body !== undefined) headers['content-type'] = 'application/json';
  return app.inject({ method, url, remoteAddress: '127.0.0.1', headers, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
}

export async function readAuditFile(dataDir: string): Promise<{ text: string; events: AuditEvent[] }> {
  let text = '';
  try {
    text = await readFile(join(dataDir, 'audit.log'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { text, events: text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as AuditEvent) };
}

/** Polls `condition` until it holds or `timeoutMs` passes. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 3_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
