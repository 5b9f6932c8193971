/**
 * Proxy mode: no Traefik, nginx or Caddy in front. Gatehouse listens on a second port
 * (GATEHOUSE_PROXY_PORT), runs the forward-auth check on every request for a host in
 * `proxy.apps`, and forwards the allowed ones to a real upstream app. Security cases are
 * named after the attack they stop.
 */
import { writeFile, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NewUser } from '../../src/users/user-service.js';
import { freePort, passwordLogin, send, startGatehouse, startUpstream, type GatehouseHandle, type SimpleResponse, type Upstream } from '../support/proxies.js';

const PORTAL = 'http://auth.localhost';

/** Sends bytes as they are and resolves to everything the server answered. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}
const ALICE = { username: 'alice', password: 'proxy admin passphrase 1', role: 'admin' } satisfies NewUser;
const VICTOR = { username: 'victor', password: 'proxy viewer passphrase 2', role: 'viewer' } satisfies NewUser;

describe('proxy mode (GATEHOUSE_PROXY_PORT)', () => {
  let upstream: Upstream;
  let gh: GatehouseHandle;
  let proxyPort: number;
  let aliceCookie: string;
  let victorCookie: string;

  const login = (user: NewUser): Promise<string> => passwordLogin(gh.port, PORTAL, user);


  /** A request to the app through Gatehouse's proxy listener. */
  const app = (path: string, headers: Record<string, string | string[]> = {}, method = 'GET', body?: string, host = 'app.localhost'): Promise<SimpleResponse> =>
    send({ port: proxyPort, host, path, method, headers, body });
  const reached = (path: string) => upstream.requests.filter((r) => r.url === path);

  beforeAll(async () => {
    upstream = await startUpstream();
    gh = await startGatehouse({
      config: {
        mode: 'userPassword',
        domains: ['localhost'],
        allowHttp: true,
        security: { bcryptCost: 12, regulation: { maxRetries: 100 } },
        rules: [
          { domain: 'app.localhost', path: '/public', policy: 'bypass' },
          { domain: 'app.localhost', path: '/internal', networks: ['10.0.0.0/8'], policy: 'bypass' },
        ],
        proxy: { apps: [{ host: 'app.localhost', upstream: `http://127.0.0.1:${upstream.port}` }] },
      },
      env: { portalUrl: PORTAL, proxyPort: 0 },
      users: [ALICE, VICTOR],
    });
    proxyPort = gh.server.proxyPort!;
    expect(proxyPort).toBeGreaterThan(0);
    aliceCookie = await login(ALICE);
    victorCookie = await login(VICTOR);
  });

  afterAll(async () => {
    await gh?.close();
    await upstream?.close();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it('a browser without a session is sent to the portal login for the page it asked for; the app is never asked', async () => {
    const res = await app('/dash?tab=1', { accept: 'text/html' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.location!);
    expect(location.origin + location.pathname).toBe(`${PORTAL}/login`);
    const rd = new URL(location.searchParams.get('rd')!);
    expect([rd.hostname, rd.pathname, rd.search]).toEqual(['app.localhost', '/dash', '?tab=1']);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(upstream.requests).toHaveLength(0);
  });

  it('a script without credentials gets 401 with the login Location', async () => {
    const res = await app('/api/items', { accept: 'application/json' });
    expect(res.status).toBe(401);
    expect(res.headers.location).toMatch(/^http:\/\/auth\.localhost\/login\?rd=/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('with a session the app answers, and sees who is signed in, where from and for which host', async () => {
    const res = await app('/dash', { cookie: `theme=dark; ${aliceCookie}; lang=en` });
    expect(res.status, res.body).toBe(200);
    const [seen] = reached('/dash');
    expect(seen).toBeDefined();
    expect(upstream.headerValues(seen!, 'remote-user')).toEqual(['alice']);
    expect(upstream.headerValues(seen!, 'remote-groups')).toEqual(['admin']);
    expect(seen!.headers.host).toBe(`app.localhost:${proxyPort}`);
    expect(seen!.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen!.headers['x-forwarded-proto']).toBe('http');
    expect(seen!.headers.cookie).toBe('theme=dark; lang=en');
  });

  it('session theft by the app: Gatehouse cookies and the Authorization header never reach it', async () => {
    const basic = `Basic ${Buffer.from(`${ALICE.username}:${ALICE.password}`).toString('base64')}`;
    const res = await app('/with-basic', { authorization: basic, cookie: 'gatehouse_csrf=abc; keep=1' });
    expect(res.status, res.body).toBe(200);
    const [seen] = reached('/with-basic');
    expect(upstream.headerValues(seen!, 'remote-user')).toEqual(['alice']);
    expect(seen!.headers.authorization).toBeUndefined();
    expect(seen!.headers.cookie).toBe('keep=1');
    const only = await app('/only-session', { cookie: victorCookie });
    expect(only.status).toBe(200);
    expect(reached('/only-session')[0]!.headers.cookie).toBeUndefined();
  });

  it('spoofed identity headers: a viewer sending Remote-User, Remote_User and Remote-Groups reaches the app as herself', async () => {
    const res = await app('/who', { cookie: victorCookie, 'Remote-User': 'alice', Remote_User: 'alice', 'Remote-Groups': 'admin', 'Remote-Email': 'root@example.com' });
    expect(res.status).toBe(200);
    const [seen] = reached('/who');
    expect(upstream.headerValues(seen!, 'remote-user')).toEqual(['victor']);
    expect(upstream.headerValues(seen!, 'remote-groups')).toEqual(['viewer']);
    expect(upstream.headerValues(seen!, 'remote-email')).toEqual([]);
  });

  it('spoofed client address: X-Forwarded-For from a client neither passes a network rule nor reaches the app', async () => {
    const res = await app('/internal/report', { accept: 'application/json', 'x-forwarded-for': '10.1.2.3', 'x-real-ip': '10.1.2.3', forwarded: 'for=10.1.2.3' });
    expect(res.status).toBe(401);
    expect(upstream.requests).toHaveLength(0);
    const withSession = await app('/internal/x', { cookie: aliceCookie, 'x-forwarded-for': '10.1.2.3', 'x-forwarded-host': 'evil.example.com' });
    expect(withSession.status).toBe(200);
    const [seen] = reached('/internal/x');
    expect(seen!.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen!.headers['x-forwarded-host']).toBe(`app.localhost:${proxyPort}`);
    expect(seen!.headers['x-real-ip']).toBeUndefined();
  });

  it("roles: a viewer's POST is refused with 403 and its body never reaches the app; an admin's POST arrives whole", async () => {
    const refused = await app('/items', { cookie: victorCookie, 'content-type': 'application/json' }, 'POST', '{"name":"x"}');
    expect(refused.status).toBe(403);
    expect(upstream.requests).toHaveLength(0);
    const body = JSON.stringify({ name: 'widget', size: 'x'.repeat(100_000) });
    const ok = await app('/items', { cookie: aliceCookie, 'content-type': 'application/json' }, 'POST', body);
    expect(ok.status).toBe(200);
    expect(reached('/items')[0]!.body).toBe(body);
    expect(reached('/items')[0]!.method).toBe('POST');
  });

  it('a bypass rule lets anonymous visitors through, with no identity headers', async () => {
    const res = await app('/public/logo.svg');
    expect(res.status).toBe(200);
    const [seen] = reached('/public/logo.svg');
    expect(upstream.headerValues(seen!, 'remote-user')).toEqual([]);
  });

  it('path traversal and encoded-slash bypasses are refused with 400 before the app is asked', async () => {
    for (const path of ['/public/../admin', '/public/%2e%2e/admin', '/public%2Fx', '/public/..%2Fadmin', '/a;b/public']) {
      const res = await app(path, { accept: 'application/json' });
      expect(res.status, path).toBe(400);
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it('host confusion: a host that is not a proxied app gets 404, two Host headers get 400, and nothing is forwarded', async () => {
    const other = await app('/', { cookie: aliceCookie }, 'GET', undefined, 'other.localhost');
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body)).toMatchObject({ error: 'unknown_app' });
    // Node's client will not send two Host headers: write the request by hand.
    const twice = await rawRequest(proxyPort, `GET / HTTP/1.1\r\nHost: app.localhost\r\nHost: other.localhost\r\nCookie: ${aliceCookie}\r\nConnection: close\r\n\r\n`);
    expect(twice).toMatch(/^HTTP\/1\.1 400 /);
    expect(upstream.requests).toHaveLength(0);
  });

  it('an app that is down gives the client a 5xx and Gatehouse keeps answering', async () => {
    const deadPort = await freePort();
    await editConfig((config) => ({ ...config, proxy: { apps: [...config.proxy.apps, { host: 'down.localhost', upstream: `http://127.0.0.1:${deadPort}` }] } }));
    await expect.poll(async () => (await app('/', { cookie: aliceCookie }, 'GET', undefined, 'down.localhost')).status, { timeout: 5_000 }).toBeGreaterThanOrEqual(500);
    expect((await app('/still-up', { cookie: aliceCookie })).status).toBe(200);
  });

  it('an app added to config.json is proxied without a restart', async () => {
    await editConfig((config) => ({ ...config, proxy: { apps: [...config.proxy.apps.filter((a) => a.host !== 'wiki.localhost'), { host: 'wiki.localhost', upstream: `http://127.0.0.1:${upstream.port}` }] } }));
    await expect.poll(async () => (await app('/wiki-page', { cookie: aliceCookie }, 'GET', undefined, 'wiki.localhost')).status, { timeout: 5_000 }).toBe(200);
    expect(upstream.headerValues(reached('/wiki-page')[0]!, 'remote-user')).toEqual(['alice']);
  });

  it('proxied requests are counted in /metrics under endpoint="proxy"', async () => {
    expect((await app('/counted', { cookie: aliceCookie })).status).toBe(200);
    expect((await app('/counted%2Fx', { accept: 'application/json' })).status).toBe(400);
    const metrics = await send({ port: gh.port, host: 'auth.localhost', path: '/metrics' });
    expect(metrics.status).toBe(200);
    const line = metrics.body.split('\n').find((l) => l.startsWith('gatehouse_checks_total{endpoint="proxy",outcome="allow"} '));
    expect(Number(line?.split(' ')[1])).toBeGreaterThanOrEqual(1);
    expect(metrics.body).toMatch(/gatehouse_checks_total\{endpoint="proxy",outcome="bad_request"\} [1-9]/);
  });

  type ConfigDoc = { proxy: { apps: Array<{ host: string; upstream: string }> } } & Record<string, unknown>;
  async function editConfig(edit: (config: ConfigDoc) => ConfigDoc): Promise<void> {
    const file = join(gh.dataDir, 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as ConfigDoc;
    await writeFile(file, JSON.stringify(edit(config), null, 2));
  }
});
