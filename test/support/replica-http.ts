import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_VERSION } from '../../config/schema.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { INSTANCE_TOKEN, PORTAL_ORIGIN, rawForwardAuthHeaders, TOKEN_MODE } from './portal.js';
import { startReplica, type Replica } from './replica.js';

/** The session secret every test replica shares (sessions and form tokens must agree across them). */
export const REPLICA_SECRET = 'replica-test-session-secret-0123456789abcdef';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  json<T = Record<string, unknown>>(): T;
}

/** One HTTP request to a replica (no fetch: it would hide Set-Cookie and forbid Origin/Cookie headers). */
export function http(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: <T>() => JSON.parse(text) as T }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A data dir whose config.json is token mode on example.com, the same for every replica that gets one. */
export async function tokenModeDataDir(extra: Record<string, unknown> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-replica-'));
  const config = { version: CONFIG_VERSION, ...TOKEN_MODE, domains: ['example.com'], portalUrl: PORTAL_ORIGIN, ...extra };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  return dir;
}

/** A replica on a fresh tokenModeDataDir(`config`), which `stop()` removes too. */
export async function startTokenReplica(env: Record<string, string>, config: Record<string, unknown> = {}): Promise<Replica> {
  const dataDir = await tokenModeDataDir(config);
  const replica = await startReplica(env, { dataDir }).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    ...replica,
    async stop(options = {}) {
      await replica.stop(options);
      if (!options.keepDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Stops every replica that started (a failed beforeAll leaves some undefined). */
export async function stopReplicas(...replicas: ReadonlyArray<Replica | undefined>): Promise<void> {
  await Promise.all(replicas.map((r) => r?.stop()));
}

/** Signs in with the instance token through the JSON API; returns the whole `gatehouse_session=…` cookie, or the failed answer. */
export async function tokenSession(base: string): Promise<{ cookie: string | undefined; answer: HttpAnswer }> {
  const answer = await http(base, 'POST', '/api/auth/login', { 'content-type': 'application/json', origin: PORTAL_ORIGIN }, JSON.stringify({ token: INSTANCE_TOKEN }));
  const lines = ([] as string[]).concat(answer.headers['set-cookie'] ?? []);
  const cookie = lines.map((l) => l.split(';')[0]!).find((c) => c.startsWith(`${SESSION_COOKIE}=`) && c.length > SESSION_COOKIE.length + 1);
  return { cookie, answer };
}

/** A Traefik-style forward-auth check of https://app.example.com/ with `cookie`; the status. */
export async function checkStatus(base: string, cookie?: string): Promise<number> {
  const headers = { ...rawForwardAuthHeaders('https://app.example.com/'), ...(cookie ? { cookie } : {}) };
  return (await http(base, 'GET', '/api/authz/forward-auth', headers)).status;
}
