/**
 * A Traefik-faithful stand-in for `forwardAuth` (Traefik itself can't be
 * installed here): a small HTTP proxy that runs a Traefik file-provider
 * configuration (test/e2e/proxies/traefik-dynamic.yml.template: routers with
 * `Host`/`PathPrefix` rules, forwardAuth middlewares, one-server services) on
 * one plain-http entry point whose clients are not trusted (no
 * `forwardedHeaders.trustedIPs`). Options the harness does not model make it
 * throw rather than run something else.
 *
 * Modelled on traefik/traefik pkg/middlewares/forwardedheaders (entry point),
 * pkg/middlewares/auth/forward.go (the middleware) and the service proxy:
 *
 * 1. Entry point: an untrusted client's X-Forwarded-*, X-Real-Ip (and their
 *    `_` variants) are deleted; X-Real-Ip, X-Forwarded-Proto/Port/Host/Server
 *    are set; headers named in Connection and Connection itself are removed.
 * 2. forwardAuth: a GET with no body to `address`, carrying every request
 *    header except hop-by-hop ones (Connection, Keep-Alive, Te, Trailer(s),
 *    Transfer-Encoding, Upgrade); X-Forwarded-For = client IP,
 *    X-Forwarded-Method = request method, X-Forwarded-Proto = http (no TLS
 *    here), X-Forwarded-Host = the request's Host (with port),
 *    X-Forwarded-Uri = the request URI. Host is the address's, as Go's client
 *    sends it; no redirect is followed.
 *    - Non-2xx: the auth response's status, headers (minus hop-by-hop, with
 *      Location resolved against `address` like Go's Response.Location) and
 *      body go back to the client as they are.
 *    - 2xx: every authResponseHeaders name is deleted from the request (all
 *      spellings of the name, as Go's canonical header map holds them), then
 *      set from the auth response when it has it. Set-Cookie from a 2xx is
 *      dropped (Traefik only keeps cookies listed in addAuthCookiesToResponse).
 * 3. Service: the request goes on to the upstream with its Host kept, hop-by-hop
 *    headers removed and X-Forwarded-For set to the client IP.
 *
 * Header names are matched the way Go's canonical keys do (case-insensitively);
 * `Remote_User` is a different name to Go, and Traefik passes it through.
 */
import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';

/** One forwardAuth middleware's settings (the ones Gatehouse's setup uses). */
export interface ForwardAuthConfig {
  address: string;
  trustForwardHeader: boolean;
  authResponseHeaders: string[];
  /** When set, only these request headers reach the auth server. */
  authRequestHeaders?: string[];
}

export interface TraefikRouter {
  rule: string;
  middlewares: string[];
  service: string;
}

/** The dynamic configuration the harness runs: what Traefik's file provider would load. */
export interface TraefikDynamicConfig {
  middlewares: Record<string, ForwardAuthConfig>;
  routers: Record<string, TraefikRouter>;
  /** Service name → server URL (one server each). */
  services: Record<string, string>;
}

/** What the auth server was sent, for assertions on the harness itself. */
export interface RecordedAuthRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, readonly string[]>>;
}

export interface TraefikHarness {
  readonly port: number;
  readonly authRequests: RecordedAuthRequest[];
  close(): Promise<void>;
}

// ---------------------------------------------------------------- config parsing

type YamlValue = string | boolean | YamlValue[] | { [key: string]: YamlValue };

function yamlScalar(raw: string): YamlValue {
  const text = raw.trim();
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === '{}') return {};
  if (text.startsWith('[') && text.endsWith(']')) return text.slice(1, -1).split(',').map((item) => yamlScalar(item)).filter((item) => item !== '');
  if (/^".*"$/.test(text) || /^'.*'$/.test(text)) return text.slice(1, -1);
  return text;
}

/**
 * The YAML subset Traefik file-provider snippets use: nested maps, lists of
 * scalars, quoted or plain scalars, booleans, `[a, b]`, `{}` and comment lines.
 * Anything else throws, so the harness never runs a config it misread.
 */
export function parseYamlSubset(text: string): { [key: string]: YamlValue } {
  const lines = text
    .split('\n')
    .map((line, index) => ({ line, index: index + 1 }))
    .filter(({ line }) => line.trim() !== '' && !line.trim().startsWith('#'));
  let at = 0;
  const indentOf = (line: string) => /^ */.exec(line)![0].length;
  function block(indent: number): YamlValue {
    const first = lines[at];
    if (first && indentOf(first.line) === indent && first.line.trim().startsWith('- ')) {
      const list: YamlValue[] = [];
      while (at < lines.length && indentOf(lines[at]!.line) === indent && lines[at]!.line.trim().startsWith('- ')) {
        const item = lines[at]!.line.trim().slice(2);
        if (/^[\w-]+:\s/.test(item)) {
          // A list of maps (`- url: …`): only one key per item in this subset.
          const colon = item.indexOf(':');
          list.push({ [item.slice(0, colon)]: yamlScalar(item.slice(colon + 1)) });
        } else {
          list.push(yamlScalar(item));
        }
        at++;
      }
      return list;
    }
    const map: { [key: string]: YamlValue } = {};
    while (at < lines.length && indentOf(lines[at]!.line) === indent) {
      const { line, index } = lines[at]!;
      const match = /^\s*([\w-]+):(?:\s+(.*))?$/.exec(line);
      if (!match) throw new Error(`YAML line ${index} is outside the supported subset: ${line}`);
      at++;
      if (match[2] !== undefined && match[2].trim() !== '') {
        map[match[1]!] = yamlScalar(match[2]);
      } else {
        const next = lines[at];
        if (!next || indentOf(next.line) <= indent) throw new Error(`YAML line ${index}: ${match[1]} has no value`);
        map[match[1]!] = block(indentOf(next.line));
      }
    }
    if (at < lines.length && indentOf(lines[at]!.line) > indent) throw new Error(`YAML line ${lines[at]!.index} is indented unexpectedly`);
    return map;
  }
  const root = block(0);
  if (Array.isArray(root) || typeof root !== 'object') throw new Error('YAML root must be a map');
  return root;
}

function asMap(value: YamlValue | undefined, what: string): { [key: string]: YamlValue } {
  if (value === undefined || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} must be a map`);
  return value;
}
function asString(value: YamlValue | undefined, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what} must be a string`);
  return value;
}
function asStrings(value: YamlValue | undefined, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`${what} must be a list of strings`);
  return value as string[];
}

const stripProvider = (name: string) => name.replace(/@[\w-]+$/, '');

/** Reads a Traefik file-provider document (the subset Gatehouse's README uses). */
export function parseTraefikFileProvider(text: string): TraefikDynamicConfig {
  const http = asMap(parseYamlSubset(text).http, 'http');
  const config: TraefikDynamicConfig = { middlewares: {}, routers: {}, services: {} };
  for (const [name, value] of Object.entries(asMap(http.middlewares ?? {}, 'http.middlewares'))) {
    const middleware = asMap(value, `middleware ${name}`);
    const fa = asMap(middleware.forwardAuth, `middleware ${name}.forwardAuth (the only kind the harness runs)`);
    const known = new Set(['address', 'trustForwardHeader', 'authResponseHeaders', 'authRequestHeaders']);
    for (const key of Object.keys(fa)) if (!known.has(key)) throw new Error(`forwardAuth.${key} is not modelled by the harness`);
    config.middlewares[name] = {
      address: asString(fa.address, `${name}.forwardAuth.address`),
      trustForwardHeader: fa.trustForwardHeader === undefined ? false : fa.trustForwardHeader === true,
      authResponseHeaders: fa.authResponseHeaders === undefined ? [] : asStrings(fa.authResponseHeaders, `${name}.forwardAuth.authResponseHeaders`),
      ...(fa.authRequestHeaders === undefined ? {} : { authRequestHeaders: asStrings(fa.authRequestHeaders, `${name}.forwardAuth.authRequestHeaders`) }),
    };
  }
  for (const [name, value] of Object.entries(asMap(http.routers ?? {}, 'http.routers'))) {
    const router = asMap(value, `router ${name}`);
    config.routers[name] = {
      rule: asString(router.rule, `router ${name}.rule`),
      middlewares: router.middlewares === undefined ? [] : asStrings(router.middlewares, `router ${name}.middlewares`).map(stripProvider),
      service: stripProvider(asString(router.service, `router ${name}.service`)),
    };
  }
  for (const [name, value] of Object.entries(asMap(http.services ?? {}, 'http.services'))) {
    const servers = asMap(asMap(value, `service ${name}`).loadBalancer, `service ${name}.loadBalancer`).servers;
    if (!Array.isArray(servers) || servers.length !== 1) throw new Error(`service ${name}: the harness runs exactly one server`);
    config.services[name] = asString(asMap(servers[0], `service ${name} server`).url, `service ${name} server url`);
  }
  return config;
}

/**
 * Reads the forwardAuth middlewares and routers from docker-provider labels
 * (`traefik.http.middlewares.<name>.forwardauth.<option>=<value>`; label keys
 * are case-insensitive, as in Traefik).
 */
export function parseTraefikLabels(text: string): Pick<TraefikDynamicConfig, 'middlewares'> & { routers: Record<string, Omit<TraefikRouter, 'service'>> } {
  const middlewares: Record<string, ForwardAuthConfig> = {};
  const routers: Record<string, Omit<TraefikRouter, 'service'>> = {};
  for (const match of text.matchAll(/^\s*-\s*"traefik\.http\.([^"=]+)=([^"]*)"\s*$/gm)) {
    const path = match[1]!.split('.');
    const value = match[2]!;
    const [kind, name, ...rest] = path;
    const option = rest.join('.').toLowerCase();
    if (kind === 'middlewares' && name) {
      if (!option.startsWith('forwardauth.')) throw new Error(`label middleware ${name}.${option} is not modelled by the harness`);
      const mw = (middlewares[name] ??= { address: '', trustForwardHeader: false, authResponseHeaders: [] });
      const key = option.slice('forwardauth.'.length);
      if (key === 'address') mw.address = value;
      else if (key === 'trustforwardheader') mw.trustForwardHeader = value === 'true';
      else if (key === 'authresponseheaders') mw.authResponseHeaders = value.split(',').map((v) => v.trim());
      else if (key === 'authrequestheaders') mw.authRequestHeaders = value.split(',').map((v) => v.trim());
      else throw new Error(`label forwardauth.${key} is not modelled by the harness`);
    } else if (kind === 'routers' && name) {
      const router = (routers[name] ??= { rule: '', middlewares: [] });
      if (option === 'rule') router.rule = value;
      else if (option === 'middlewares') router.middlewares = value.split(',').map((v) => stripProvider(v.trim()));
    }
  }
  return { middlewares, routers };
}

/** A router rule as a predicate. Supports `Host(\`h\`)`, `PathPrefix(\`/p\`)`, `!` and `&&`, nothing else. */
export function compileRule(rule: string): (host: string, path: string) => boolean {
  const terms = rule.split('&&').map((term) => {
    const match = /^\s*(!?)\s*(Host|PathPrefix)\(`([^`]+)`\)\s*$/.exec(term);
    if (!match) throw new Error(`router rule term not modelled by the harness: ${term.trim()}`);
    const [, not, matcher, arg] = match;
    const test = matcher === 'Host' ? (host: string) => host === arg!.toLowerCase() : (_host: string, path: string) => path.startsWith(arg!);
    return not ? (host: string, path: string) => !test(host, path) : test;
  });
  return (host, path) => terms.every((term) => term(host, path));
}

/** Header names as Go's net/textproto canonicalizes them (`x-forwarded-for` → `X-Forwarded-For`). */
export function canonicalHeaderKey(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
}

/** A Go-style http.Header: canonical name → values, in arrival order. */
type Header = Map<string, string[]>;

function headerFromRaw(raw: readonly string[]): Header {
  const header: Header = new Map();
  for (let i = 0; i < raw.length; i += 2) {
    const key = canonicalHeaderKey(raw[i]!);
    const values = header.get(key);
    if (values) values.push(raw[i + 1]!);
    else header.set(key, [raw[i + 1]!]);
  }
  return header;
}

const get = (h: Header, name: string) => h.get(canonicalHeaderKey(name))?.[0] ?? '';
const set = (h: Header, name: string, value: string) => void h.set(canonicalHeaderKey(name), [value]);
const del = (h: Header, name: string) => void h.delete(canonicalHeaderKey(name));

function toOutgoing(h: Header): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [key, values] of h) out[key] = values.length === 1 ? values[0]! : [...values];
  return out;
}

// forwardedheaders.XHeadersSet: deleted (with `_` variants) when the client is not trusted.
const MANAGED_X_HEADERS = new Set(
  ['X-Forwarded-Proto', 'X-Forwarded-Scheme', 'X-Forwarded-For', 'X-Forwarded-Host', 'X-Forwarded-Port', 'X-Forwarded-Server', 'X-Forwarded-Uri', 'X-Forwarded-Method', 'X-Forwarded-Prefix', 'X-Forwarded-Tls-Client-Cert', 'X-Forwarded-Tls-Client-Cert-Info', 'X-Scheme', 'X-Real-Ip'],
);
const isManagedXHeader = (key: string) => MANAGED_X_HEADERS.has(key) || (key.includes('_') && MANAGED_X_HEADERS.has(canonicalHeaderKey(key.replace(/_/g, '-'))));

// forward.go hopHeaders (Proxy-Authorization deliberately reaches the auth server).
const AUTH_HOP_HEADERS = ['Connection', 'Keep-Alive', 'Te', 'Trailers', 'Transfer-Encoding', 'Upgrade'];
// The service proxy's hop-by-hop list (net/http/httputil).
const PROXY_HOP_HEADERS = ['Connection', 'Proxy-Connection', 'Keep-Alive', 'Proxy-Authenticate', 'Proxy-Authorization', 'Te', 'Trailer', 'Transfer-Encoding', 'Upgrade'];

function removeConnectionHeaders(h: Header, keepManaged: boolean): void {
  for (const value of h.get('Connection') ?? []) {
    for (const token of value.split(',')) {
      const key = canonicalHeaderKey(token.trim());
      if (!key || (keepManaged && isManagedXHeader(key))) continue;
      h.delete(key);
    }
  }
  h.delete('Connection');
}

function clientIp(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/%.*$/, '').replace(/^::ffff:/, '');
}

/** Entry point: forwardedheaders.XForwarded for an untrusted client. */
function entryPoint(req: IncomingMessage): Header {
  const h = headerFromRaw(req.rawHeaders);
  for (const key of [...h.keys()]) if (isManagedXHeader(key)) h.delete(key);
  const host = req.headers.host ?? '';
  if (!get(h, 'X-Real-Ip')) set(h, 'X-Real-Ip', clientIp(req));
  if (!get(h, 'X-Forwarded-Proto')) set(h, 'X-Forwarded-Proto', 'http');
  if (!get(h, 'X-Forwarded-Port')) set(h, 'X-Forwarded-Port', /:(\d+)$/.exec(host)?.[1] ?? '80');
  if (!get(h, 'X-Forwarded-Host') && host) set(h, 'X-Forwarded-Host', host);
  set(h, 'X-Forwarded-Server', hostname());
  removeConnectionHeaders(h, true);
  return h;
}

/** forward.go writeHeader: the headers of the auth request. */
function authRequestHeaders(req: IncomingMessage, h: Header, options: ForwardAuthConfig): Header {
  let fwd: Header = new Map([...h].map(([k, v]) => [k, [...v]]));
  removeConnectionHeaders(fwd, false);
  for (const name of AUTH_HOP_HEADERS) del(fwd, name);
  if (options.authRequestHeaders && options.authRequestHeaders.length > 0) {
    const filtered: Header = new Map();
    for (const name of options.authRequestHeaders) {
      const values = fwd.get(canonicalHeaderKey(name));
      if (values && values.length > 0) filtered.set(canonicalHeaderKey(name), [...values]);
    }
    fwd = filtered;
  }
  const trust = options.trustForwardHeader;
  const ip = clientIp(req);
  const prior = h.get('X-Forwarded-For');
  set(fwd, 'X-Forwarded-For', trust && prior ? `${prior.join(', ')}, ${ip}` : ip);
  set(fwd, 'X-Forwarded-Method', trust && get(h, 'X-Forwarded-Method') ? get(h, 'X-Forwarded-Method') : req.method!);
  set(fwd, 'X-Forwarded-Proto', trust && get(h, 'X-Forwarded-Proto') ? get(h, 'X-Forwarded-Proto') : 'http');
  if (trust && get(h, 'X-Forwarded-Port')) set(fwd, 'X-Forwarded-Port', get(h, 'X-Forwarded-Port'));
  const host = req.headers.host ?? '';
  if (trust && get(h, 'X-Forwarded-Host')) set(fwd, 'X-Forwarded-Host', get(h, 'X-Forwarded-Host'));
  else if (host) set(fwd, 'X-Forwarded-Host', host);
  else del(fwd, 'X-Forwarded-Host');
  set(fwd, 'X-Forwarded-Uri', trust && get(h, 'X-Forwarded-Uri') ? get(h, 'X-Forwarded-Uri') : req.url!);
  // Go's client writes Host from the URL and never sends the header map's Host, Content-Length or Trailer.
  for (const name of ['Host', 'Content-Length', 'Trailer']) del(fwd, name);
  if (!fwd.has('User-Agent')) set(fwd, 'User-Agent', 'Go-http-client/1.1');
  return fwd;
}

interface AuthResponse {
  status: number;
  rawHeaders: string[];
  body: Buffer;
}

function callAuth(address: URL, headers: Header): Promise<AuthResponse> {
  return new Promise((done, fail) => {
    const req = httpRequest(
      { host: address.hostname, port: address.port || 80, path: `${address.pathname}${address.search}`, method: 'GET', headers: { host: address.host, ...toOutgoing(headers) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
        res.on('error', fail);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('forward auth timed out')));
    req.on('error', fail);
    req.end();
  });
}

function writeResponse(res: ServerResponse, status: number, h: Header, body?: Buffer): void {
  res.writeHead(status, toOutgoing(h));
  res.end(body);
}

/** A service's server URL as host/port. */
function serverOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  if (u.protocol !== 'http:' || u.pathname !== '/' || u.search) throw new Error(`service URL ${url}: the harness proxies to plain http://host:port only`);
  return { host: u.hostname, port: Number(u.port || 80) };
}

interface CompiledRouter {
  readonly name: string;
  readonly priority: number;
  readonly matches: (host: string, path: string) => boolean;
  readonly forwardAuth: ReadonlyArray<{ config: ForwardAuthConfig; address: URL }>;
  readonly server: { host: string; port: number };
}

function compileRouters(config: TraefikDynamicConfig): CompiledRouter[] {
  return Object.entries(config.routers)
    .map(([name, router]) => {
      const service = config.services[router.service];
      if (!service) throw new Error(`router ${name}: no service ${router.service}`);
      return {
        name,
        // Traefik's default priority is the rule's length: the longest rule is tried first.
        priority: router.rule.length,
        matches: compileRule(router.rule),
        forwardAuth: router.middlewares.map((mw) => {
          const fa = config.middlewares[mw];
          if (!fa) throw new Error(`router ${name}: no middleware ${mw}`);
          return { config: fa, address: new URL(fa.address) };
        }),
        server: serverOf(service),
      };
    })
    .sort((a, b) => b.priority - a.priority);
}

export interface StartTraefikHarnessOptions {
  config: TraefikDynamicConfig;
  /** Where the entry point listens (127.0.0.1); 0 or omitted lets the OS choose. */
  port?: number;
}

/** Starts the harness: one plain-http entry point on 127.0.0.1 running `config`'s routers. */
export async function startTraefikHarness(options: StartTraefikHarnessOptions): Promise<TraefikHarness> {
  const routers = compileRouters(options.config);
  const authRequests: RecordedAuthRequest[] = [];

  /** forward.go ServeHTTP. Returns true when the request may go on. */
  async function forwardAuth(req: IncomingMessage, res: ServerResponse, h: Header, fa: { config: ForwardAuthConfig; address: URL }): Promise<boolean> {
    const { config, address } = fa;
    const fwd = authRequestHeaders(req, h, config);
    authRequests.push({ method: 'GET', path: `${address.pathname}${address.search}`, headers: Object.fromEntries(fwd) });
    let auth: AuthResponse;
    try {
      auth = await callAuth(address, fwd);
    } catch {
      writeResponse(res, 500, new Map([['Content-Length', ['0']]]));
      return false;
    }
    const authHeader = headerFromRaw(auth.rawHeaders);
    if (auth.status < 200 || auth.status >= 300) {
      const out: Header = new Map([...authHeader].map(([k, v]) => [k, [...v]]));
      for (const name of AUTH_HOP_HEADERS) del(out, name);
      const location = get(authHeader, 'Location');
      if (location) {
        try {
          set(out, 'Location', new URL(location, address).href);
        } catch {
          writeResponse(res, 500, new Map([['Content-Length', ['0']]]));
          return false;
        }
      }
      writeResponse(res, auth.status, out, auth.body);
      return false;
    }
    for (const name of config.authResponseHeaders) {
      const key = canonicalHeaderKey(name);
      h.delete(key);
      const values = authHeader.get(key);
      if (values && values.length > 0) h.set(key, [...values]);
    }
    return true;
  }

  /** The service: reverse proxy with the Host kept (passHostHeader). */
  function proxy(req: IncomingMessage, res: ServerResponse, h: Header, server: { host: string; port: number }): void {
    for (const name of PROXY_HOP_HEADERS) del(h, name);
    set(h, 'X-Forwarded-For', clientIp(req));
    const upstreamReq = httpRequest({ host: server.host, port: server.port, method: req.method, path: req.url, headers: toOutgoing(h), agent: false }, (upstreamRes) => {
      const out = headerFromRaw(upstreamRes.rawHeaders);
      for (const name of PROXY_HOP_HEADERS) del(out, name);
      res.writeHead(upstreamRes.statusCode ?? 502, toOutgoing(out));
      upstreamRes.pipe(res);
    });
    upstreamReq.on('error', () => {
      if (!res.headersSent) writeResponse(res, 502, new Map([['Content-Length', ['0']]]));
      else res.destroy();
    });
    req.pipe(upstreamReq);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const path = (req.url ?? '/').split('?')[0]!;
    const router = routers.find((r) => r.matches(host, path));
    if (!router) {
      req.resume();
      return writeResponse(res, 404, new Map([['Content-Type', ['text/plain; charset=utf-8']]]), Buffer.from('404 page not found\n'));
    }
    const h = entryPoint(req);
    for (const fa of router.forwardAuth) {
      if (!(await forwardAuth(req, res, h, fa))) {
        req.resume();
        return;
      }
    }
    proxy(req, res, h, router.server);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) writeResponse(res, 500, new Map([['Content-Length', ['0']]]));
      else res.destroy();
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', done);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    authRequests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
