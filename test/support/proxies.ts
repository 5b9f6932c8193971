/**
 * Real reverse proxies (nginx, Caddy) in front of a real Gatehouse and a
 * recording upstream app, for the e2e tests in test/e2e/.
 *
 * Every piece listens on 127.0.0.1 only. Ports come from the OS (listen on 0);
 * nginx and Caddy cannot report a port-0 bind, so they get a port found free
 * just before they start. Processes run in their own process group and are
 * killed as a group by `close()` (and, as a last resort, when the worker exits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { CONFIG_VERSION, type ConfigInput } from '../../config/schema.js';
import type { EnvSettings } from '../../src/env.js';
import { createCliContext } from '../../src/cli/context.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { NewUser } from '../../src/users/user-service.js';
import { renderCaddyExample, renderNginxExample } from './examples.js';
import { SYSTEM_BINARIES } from './system-binaries.js';

export const TEMPLATES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'e2e', 'proxies');
export const NGINX_TEMPLATE = join(TEMPLATES_DIR, 'nginx.conf.template');
export const CADDY_TEMPLATE = join(TEMPLATES_DIR, 'Caddyfile.template');
export const TRAEFIK_DYNAMIC_TEMPLATE = join(TEMPLATES_DIR, 'traefik-dynamic.yml.template');
export const TRAEFIK_LABELS_TEMPLATE = join(TEMPLATES_DIR, 'traefik-labels.yml.template');

export const E2E_SECRET = 'e2e-session-secret-0123456789abcdefghijklmnop';
/** Host names under `localhost` resolve to loopback; Gatehouse protects `localhost` and its subdomains. */
export const APP_HOST = 'app.localhost';
export const PORTAL_HOST = 'auth.localhost';

export interface Running {
  readonly port: number;
  close(): Promise<void>;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A port nothing listens on right now (the OS picks it; we close and hand it on). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createTcpServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error('no port from the OS'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => {
      socket.destroy();
      done(false);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- processes

const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export interface ManagedProcess {
  readonly child: ChildProcess;
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

export function spawnManaged(command: string, args: string[], env: NodeJS.ProcessEnv): ManagedProcess {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((done) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : 0);
      if (child.pid) liveGroups.delete(child.pid);
      done();
    });
    child.once('error', (error) => {
      output += `\nspawn error: ${error.message}`;
      exitCode = -1;
      done();
    });
  });
  if (child.pid) liveGroups.add(child.pid);
  const signalGroup = (signal: NodeJS.Signals) => {
    if (!child.pid || exitCode !== undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // group already gone
    }
  };
  return {
    child,
    output: () => output,
    exited: () => exitCode !== undefined,
    async stop() {
      signalGroup('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(3000).then(() => true)]);
      if (timedOut) {
        signalGroup('SIGKILL');
        await exited;
      }
    },
  };
}

/** Waits until `port` accepts connections; fails early (with `diagnostics()`) when the process dies. */
export async function waitForPort(port: number, proc: ManagedProcess, name: string, diagnostics: () => Promise<string>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exited()) throw new Error(`${name} exited before listening on 127.0.0.1:${port}.\n${await diagnostics()}`);
    if (await canConnect(port)) return;
    await sleep(25);
  }
  await proc.stop();
  throw new Error(`${name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms.\n${await diagnostics()}`);
}

export function requireBinary(name: 'nginx' | 'caddy'): string {
  const path = SYSTEM_BINARIES[name]!.path;
  if (!existsSync(path)) throw new Error(`${path} is missing: install the Debian package ${SYSTEM_BINARIES[name]!.pkg} (the e2e tests never skip)`);
  return path;
}

export async function readIfExists(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------- templates

/**
 * Replaces every `{{NAME}}` in `template`. Throws when a value is missing or
 * unused, so a template and its callers can't drift apart silently.
 */
export function renderTemplate(template: string, values: Record<string, string | number>): string {
  const used = new Set<string>();
  const out = template.replace(/\{\{([A-Z_]+)\}\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    used.add(name);
    return String(value);
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`template has no placeholder for ${unused.join(', ')}`);
  return out;
}

export const SNIPPET_START = 'gatehouse-snippet:start';
export const SNIPPET_END = 'gatehouse-snippet:end';

/**
 * The part of a template README.md shows: the lines strictly between the
 * `gatehouse-snippet:start` and `gatehouse-snippet:end` marker lines, de-indented.
 */
export function extractSnippet(template: string): string {
  const lines = template.split('\n');
  const start = lines.findIndex((line) => line.includes(SNIPPET_START));
  const end = lines.findIndex((line) => line.includes(SNIPPET_END));
  if (start === -1 || end <= start) throw new Error(`template lacks ${SNIPPET_START} / ${SNIPPET_END} markers`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length));
  return body.map((line) => line.slice(indent)).join('\n').trim();
}

// ---------------------------------------------------------------- upstream app

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

export interface Upstream extends Running {
  readonly requests: RecordedRequest[];
  /** Values of every header whose name, lower-cased with `_` read as `-`, is `name` (how CGI-style apps see them). */
  headerValues(request: RecordedRequest, name: string): string[];
}

/** The protected app: records each request and answers 200 with JSON of what it saw. */
export async function startUpstream(): Promise<Upstream> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      const body = JSON.stringify({ upstream: 'app', method: recorded.method, url: recorded.url, headers: recorded.headers });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    requests,
    headerValues(request, name) {
      const wanted = name.toLowerCase();
      const values: string[] = [];
      for (let i = 0; i < request.rawHeaders.length; i += 2) {
        if (request.rawHeaders[i]!.toLowerCase().replace(/_/g, '-') === wanted) values.push(request.rawHeaders[i + 1]!);
      }
      return values;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

// ---------------------------------------------------------------- Gatehouse

export interface GatehouseHandle extends Running {
  readonly server: RunningServer;
  readonly dataDir: string;
  /** Gatehouse's log lines so far (JSON), for failure messages. */
  logs(): string;
}

export interface StartGatehouseOptions {
  /** Merged (shallowly) over `{version: 1, mode: 'token', domains: ['localhost'], allowHttp: true, security: {regulation: {maxRetries: 100}}}`. */
  config: Partial<ConfigInput> & { mode?: ConfigInput['mode'] };
  /** `portalUrl` is required in practice: the proxy's portal address. */
  env: Partial<EnvSettings> & { portalUrl: string };
  /**
   * Local accounts created in the fresh data dir before the server starts (a
   * userPassword-mode boot refuses to start without an admin), through the same
   * UserService the `gatehouse user add` CLI uses, hashed at the configured
   * `security.bcryptCost`.
   */
  users?: readonly NewUser[];
}

/** Creates `users` in `dataDir` the way `gatehouse user add … --password-stdin` does. */
export async function addUsers(dataDir: string, users: readonly NewUser[], portalUrl?: string): Promise<void> {
  const cli = createCliContext({ GATEHOUSE_DATA_DIR: dataDir, ...(portalUrl ? { GATEHOUSE_PORTAL_URL: portalUrl } : {}) });
  try {
    const { service, store } = await cli.users();
    try {
      for (const user of users) await service.create(user, cli.actor);
    } finally {
      store.close();
    }
  } finally {
    await cli.close();
  }
}

/** Gatehouse in-process via `startServer`, on 127.0.0.1 and an OS-chosen port, with a fresh data dir. */
export async function startGatehouse(options: StartGatehouseOptions): Promise<GatehouseHandle> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-e2e-data-'));
  // Every test client is 127.0.0.1: a roomy retry budget keeps a few deliberate
  // wrong-credential tests from banning the IP the other tests share.
  const doc = { version: CONFIG_VERSION, mode: 'token', domains: ['localhost'], allowHttp: true, security: { regulation: { maxRetries: 100 } }, ...options.config };
  await writeFile(join(dataDir, 'config.json'), JSON.stringify(doc, null, 2));
  if (options.users && options.users.length > 0) {
    try {
      await addUsers(dataDir, options.users, options.env.portalUrl);
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  const env: EnvSettings = { dataDir, port: 0, host: '127.0.0.1', sessionSecret: E2E_SECRET, logLevel: 'info', ...options.env };
  const lines: string[] = [];
  const log = pino({ level: env.logLevel }, { write: (line: string) => void lines.push(line) });
  let server: RunningServer;
  try {
    server = await startServer(env, log);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    port: server.port,
    server,
    dataDir,
    logs: () => lines.join(''),
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- nginx

export interface ProxyHandle extends Running {
  /** The rendered config the proxy runs. */
  readonly configText: string;
  /** Everything the proxy wrote to stdout/stderr (and nginx's error log). */
  diagnostics(): Promise<string>;
}

export interface ProxyOptions {
  gatehousePort: number;
  upstreamPort: number;
  /** Where the proxy listens; found free when omitted. */
  port?: number;
  /** Server names for the protected app and the portal (default APP_HOST / PORTAL_HOST). */
  appHost?: string;
  portalHost?: string;
  /** Changes the rendered example before the proxy runs it (a deliberately broken wiring). */
  alter?: (config: string) => string;
}

/** nginx (`auth_request` → `/api/authz/auth-request`) running examples/nginx/gatehouse.conf inside test/e2e/proxies/nginx.conf.template. */
export async function startNginx(options: ProxyOptions): Promise<ProxyHandle> {
  const binary = requireBinary('nginx');
  const port = options.port ?? (await freePort());
  const prefix = await mkdtemp(join(tmpdir(), 'gatehouse-e2e-nginx-'));
  await mkdir(join(prefix, 'logs'), { recursive: true });
  const site = await renderNginxExample({
    listen: `127.0.0.1:${port}`,
    gatehouse: `127.0.0.1:${options.gatehousePort}`,
    upstream: `127.0.0.1:${options.upstreamPort}`,
    appHost: options.appHost ?? APP_HOST,
    portalHost: options.portalHost ?? PORTAL_HOST,
  });
  const configText = renderTemplate(await readFile(NGINX_TEMPLATE, 'utf8'), { PREFIX: prefix, SITE_CONFIG: options.alter ? options.alter(site) : site });
  const confFile = join(prefix, 'nginx.conf');
  await writeFile(confFile, configText);
  const proc = spawnManaged(binary, ['-p', `${prefix}/`, '-c', confFile, '-e', join(prefix, 'error.log')], { ...process.env });
  const diagnostics = async () => `--- nginx output ---\n${proc.output()}\n--- nginx error.log ---\n${await readIfExists(join(prefix, 'error.log'))}`;
  try {
    await waitForPort(port, proc, 'nginx', diagnostics);
  } catch (error) {
    await proc.stop();
    await rm(prefix, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    configText,
    diagnostics,
    async close() {
      await proc.stop();
      await rm(prefix, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- Caddy

/** Caddy (`forward_auth` → `/api/authz/forward-auth`) running examples/caddy/Caddyfile inside test/e2e/proxies/Caddyfile.template. */
export async function startCaddy(options: ProxyOptions): Promise<ProxyHandle> {
  const binary = requireBinary('caddy');
  const port = options.port ?? (await freePort());
  const home = await mkdtemp(join(tmpdir(), 'gatehouse-e2e-caddy-'));
  const site = await renderCaddyExample({
    appSite: `http://${options.appHost ?? APP_HOST}:${port}`,
    portalSite: `http://${options.portalHost ?? PORTAL_HOST}:${port}`,
    gatehouse: `127.0.0.1:${options.gatehousePort}`,
    upstream: `127.0.0.1:${options.upstreamPort}`,
  });
  const configText = renderTemplate(await readFile(CADDY_TEMPLATE, 'utf8'), { SITE_CONFIG: options.alter ? options.alter(site) : site });
  const confFile = join(home, 'Caddyfile');
  await writeFile(confFile, configText);
  const env = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
  };
  const proc = spawnManaged(binary, ['run', '--config', confFile, '--adapter', 'caddyfile'], env);
  const diagnostics = async () => `--- caddy output ---\n${proc.output()}`;
  try {
    await waitForPort(port, proc, 'caddy', diagnostics);
  } catch (error) {
    await proc.stop();
    await rm(home, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    configText,
    diagnostics,
    async close() {
      await proc.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- HTTP client

export interface SimpleResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface SendOptions {
  port: number;
  /** Sent as the Host header (with `:port` appended unless it already has one). */
  host: string;
  path?: string;
  method?: string;
  /** Arrays become repeated header lines. */
  headers?: OutgoingHttpHeaders;
  body?: string;
}

/**
 * One HTTP/1.1 request to 127.0.0.1:port with an explicit Host header (which
 * undici's fetch refuses to set). No redirects are followed.
 */
export function send(options: SendOptions): Promise<SimpleResponse> {
  const { port, host, path = '/', method = 'GET', body } = options;
  const headers: OutgoingHttpHeaders = { host: host.includes(':') ? host : `${host}:${port}`, connection: 'close', ...options.headers };
  if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
  return new Promise((done, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`request to ${host}${path} timed out`)));
    req.on('error', fail);
    req.end(body);
  });
}

/**
 * Signs in with the JSON login API over real HTTP, from the portal's own origin, and returns
 * the `gatehouse_session=<value>` pair. Throws with the answer when the login is refused.
 */
export async function passwordLogin(port: number, portalUrl: string, user: Pick<NewUser, 'username' | 'password'>): Promise<string> {
  const res = await send({
    port,
    host: new URL(portalUrl).host,
    method: 'POST',
    path: '/api/auth/login',
    headers: { 'content-type': 'application/json', origin: portalUrl },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
  const session = cookiePair(res.headers, 'gatehouse_session');
  if (res.status !== 200 || !session) throw new Error(`login as ${user.username} gave ${res.status}: ${res.body}`);
  return session;
}

/** The `name=value` pair of a Set-Cookie for `name`, or undefined. */
export function cookiePair(headers: IncomingHttpHeaders, name: string): string | undefined {
  for (const line of headers['set-cookie'] ?? []) {
    const pair = line.split(';')[0]!.trim();
    if (pair.startsWith(`${name}=`)) return pair;
  }
  return undefined;
}

function decodeHtmlAttribute(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A hidden form field's value from an HTML page. */
export function hiddenField(html: string, name: string): string | undefined {
  const match = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
  return match ? decodeHtmlAttribute(match[1]!) : undefined;
}

export interface PortalLogin {
  /** The GET /login response (form page). */
  readonly page: SimpleResponse;
  /** The POST /login response. */
  readonly result: SimpleResponse;
  /** `gatehouse_session=…`, ready for a Cookie header; undefined when the login failed. */
  readonly sessionCookie: string | undefined;
}

/**
 * Signs in through the portal the way a browser does: GET /login (CSRF cookie
 * and hidden field), then POST the form with the portal's Origin.
 */
export async function loginThroughPortal(options: { port: number; portalHost: string; token: string; rd: string }): Promise<PortalLogin> {
  const { port, portalHost, token, rd } = options;
  const origin = `http://${portalHost}:${port}`;
  const page = await send({ port, host: portalHost, path: `/login?rd=${encodeURIComponent(rd)}&rm=GET`, headers: { accept: 'text/html' } });
  const csrfCookie = cookiePair(page.headers, 'gatehouse_csrf');
  const csrf = hiddenField(page.body, 'csrf');
  const formRd = hiddenField(page.body, 'rd');
  if (page.status !== 200 || !csrfCookie || !csrf || formRd === undefined) {
    throw new Error(`login page through the proxy is not a usable form (status ${page.status}, csrf cookie ${csrfCookie ? 'set' : 'missing'}, csrf field ${csrf ? 'present' : 'missing'}):\n${page.body.slice(0, 500)}`);
  }
  const form = new URLSearchParams({ csrf, rd: formRd, token }).toString();
  const result = await send({
    port,
    host: portalHost,
    path: '/login',
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie: csrfCookie, accept: 'text/html' },
    body: form,
  });
  return { page, result, sessionCookie: cookiePair(result.headers, 'gatehouse_session') };
}
