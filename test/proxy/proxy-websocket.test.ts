/**
 * Proxy mode relays WebSockets: the handshake is checked like any request, and the app
 * sees the same rewritten headers (identity from Gatehouse, none of its credentials).
 * Real ws clients and a real ws app on loopback.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { NewUser } from '../../src/users/user-service.js';
import { WEBSOCKET_RECHECK_MS } from '../../src/proxy/websocket-recheck.js';
import { passwordLogin, send, startGatehouse, type GatehouseHandle } from '../support/proxies.js';

const PORTAL = 'http://auth.localhost';
const ALICE = { username: 'alice', password: 'proxy admin passphrase 1', role: 'admin' } satisfies NewUser;

/** A WebSocket app that echoes every message and records each handshake's headers. */
interface EchoApp {
  port: number;
  handshakes: IncomingHttpHeaders[];
  close(): Promise<void>;
}

async function startEchoApp(): Promise<EchoApp> {
  const handshakes: IncomingHttpHeaders[] = [];
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    handshakes.push(req.headers);
    socket.on('message', (data, binary) => socket.send(binary ? data : `echo: ${data.toString()}`));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    handshakes,
    close: () =>
      new Promise<void>((done) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

type Opened = { kind: 'open'; socket: WebSocket } | { kind: 'refused'; status: number; headers: IncomingHttpHeaders };

/** Opens a WebSocket through Gatehouse's proxy listener; a refused handshake resolves with its HTTP status. */
function openThroughProxy(proxyPort: number, headers: Record<string, string>, path = '/live'): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${proxyPort}${path}`, { headers: { host: 'app.localhost', ...headers } });
    socket.once('open', () => resolve({ kind: 'open', socket }));
    socket.once('unexpected-response', (_req, res) => {
      resolve({ kind: 'refused', status: res.statusCode ?? 0, headers: res.headers });
      res.resume();
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });
}

function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve) => socket.once('message', (data) => resolve(data.toString())));
}

/**
 * Sends one message through an opened socket, waits for its echo, and closes. The proxy
 * accepts the client's handshake before its own to the app completes, so only an echo
 * proves the app has seen the handshake.
 */
async function echoOnce(opened: Opened, message = 'ping'): Promise<string> {
  if (opened.kind !== 'open') throw new Error(`the handshake was refused with ${opened.status}`);
  const reply = nextMessage(opened.socket);
  opened.socket.send(message);
  const text = await reply;
  opened.socket.close();
  return text;
}

describe('proxy mode: WebSockets', () => {
  let echo: EchoApp;
  let gh: GatehouseHandle;
  let proxyPort: number;
  let aliceCookie: string;

  const login = (): Promise<string> => passwordLogin(gh.port, PORTAL, ALICE);


  beforeAll(async () => {
    echo = await startEchoApp();
    gh = await startGatehouse({
      config: {
        mode: 'userPassword',
        domains: ['localhost'],
        allowHttp: true,
        security: { bcryptCost: 12 },
        proxy: { apps: [{ host: 'app.localhost', upstream: `http://127.0.0.1:${echo.port}` }] },
      },
      env: { portalUrl: PORTAL, proxyPort: 0 },
      users: [ALICE],
    });
    proxyPort = gh.server.proxyPort!;
    aliceCookie = await login();
  });

  afterAll(async () => {
    await gh?.close();
    await echo?.close();
  });

  beforeEach(() => {
    echo.handshakes.length = 0;
  });

  it('relays messages both ways for a signed-in user, and the app sees who it is', async () => {
    const opened = await openThroughProxy(proxyPort, { cookie: `${aliceCookie}; theme=dark`, origin: 'http://app.localhost' });
    expect(await echoOnce(opened, 'hello')).toBe('echo: hello');
    expect(echo.handshakes).toHaveLength(1);
    const seen = echo.handshakes[0]!;
    expect(seen['remote-user']).toBe('alice');
    expect(seen['x-forwarded-host']).toBe('app.localhost');
    expect(seen.host).toBe('app.localhost');
    // The app can still check where the page that opened the socket came from.
    expect(seen.origin).toBe('http://app.localhost');
    expect(seen.cookie).toBe('theme=dark');
  });

  it('session theft by the app: the Gatehouse cookie and the Authorization header never reach it over a WebSocket', async () => {
    const opened = await openThroughProxy(proxyPort, { cookie: aliceCookie, authorization: 'Basic ' + Buffer.from('alice:wrong').toString('base64') });
    // An Authorization header is judged alone (a wrong password never falls back to the cookie).
    expect(opened.kind).toBe('refused');
    expect(echo.handshakes).toHaveLength(0);
    // Both credentials, accepted (a right password, and the cookie beside it): neither may go on to the app.
    const basic = 'Basic ' + Buffer.from(`${ALICE.username}:${ALICE.password}`).toString('base64');
    expect(await echoOnce(await openThroughProxy(proxyPort, { cookie: aliceCookie, authorization: basic }))).toBe('echo: ping');
    const seen = echo.handshakes.at(-1)!;
    expect(seen['remote-user']).toBe('alice');
    expect(seen.cookie).toBeUndefined();
    expect(seen.authorization).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain(aliceCookie.split('=')[1]!);
  });

  it('a handshake without a session is refused with the check\'s 401 and never reaches the app', async () => {
    const opened = await openThroughProxy(proxyPort, {});
    expect(opened).toMatchObject({ kind: 'refused', status: 401 });
    expect((opened as { headers: IncomingHttpHeaders }).headers['cache-control']).toBe('no-store');
    expect(echo.handshakes).toHaveLength(0);
  });

  it('a forged session cookie on the handshake is refused', async () => {
    const opened = await openThroughProxy(proxyPort, { cookie: 'gatehouse_session=AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' });
    expect(opened).toMatchObject({ kind: 'refused', status: 401 });
    expect(echo.handshakes).toHaveLength(0);
  });

  it('spoofed identity on the handshake: a client-sent Remote-User is replaced by the real one', async () => {
    const opened = await openThroughProxy(proxyPort, { cookie: aliceCookie, 'remote-user': 'root', 'remote-groups': 'superadmins', 'x-forwarded-for': '10.0.0.1' });
    expect(await echoOnce(opened)).toBe('echo: ping');
    const seen = echo.handshakes.at(-1)!;
    expect(seen['remote-user']).toBe('alice');
    expect(seen['remote-groups']).toBe('admin');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('a handshake for a host that is not proxied gets 404 and reaches nothing', async () => {
    const opened = await openThroughProxy(proxyPort, { host: 'other.localhost', cookie: aliceCookie });
    expect(opened).toMatchObject({ kind: 'refused', status: 404 });
    expect(echo.handshakes).toHaveLength(0);
  });

  it('logout cuts an open WebSocket at its next re-check; a socket on a live session keeps working', async () => {
    const doomedCookie = await login();
    const doomed = await openThroughProxy(proxyPort, { cookie: doomedCookie });
    const kept = await openThroughProxy(proxyPort, { cookie: aliceCookie });
    if (doomed.kind !== 'open' || kept.kind !== 'open') throw new Error('both handshakes should pass');
    const openedAt = Date.now();
    const doomedClosed = new Promise<number>((resolve) => doomed.socket.once('close', () => resolve(Date.now())));
    const logout = await send({ port: gh.port, host: 'auth.localhost', method: 'POST', path: '/api/auth/logout', headers: { cookie: doomedCookie, origin: PORTAL, 'content-type': 'application/json' }, body: '{}' });
    expect(logout.status, logout.body).toBe(200);
    const closedAt = await doomedClosed;
    expect(closedAt - openedAt).toBeLessThan(WEBSOCKET_RECHECK_MS * 2 + 1_000);
    // The other socket has been through a re-check of its own by now, and still relays.
    // (Both timers started before openedAt.)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, openedAt + WEBSOCKET_RECHECK_MS + 1_000 - Date.now())));
    expect(kept.socket.readyState).toBe(WebSocket.OPEN);
    const reply = nextMessage(kept.socket);
    kept.socket.send('still here');
    expect(await reply).toBe('echo: still here');
    kept.socket.close();
  }, 20_000);
});
