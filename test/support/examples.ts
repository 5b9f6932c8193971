/**
 * The configs in examples/ are the ones the e2e tests run: each is written for
 * docker compose (service names, port 80, *.localhost hosts) and rendered here
 * for the test's loopback ports, or for README.md's example.com names.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTraefikLabels, type TraefikDynamicConfig } from './traefik-harness.js';

export const EXAMPLES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');
export const NGINX_EXAMPLE = join(EXAMPLES_DIR, 'nginx', 'gatehouse.conf');
export const CADDY_EXAMPLE = join(EXAMPLES_DIR, 'caddy', 'Caddyfile');
export const TRAEFIK_EXAMPLE = join(EXAMPLES_DIR, 'traefik', 'docker-compose.yml');

/** What the examples call things, as docker compose sees them. */
export const EXAMPLE_NAMES = {
  gatehouse: 'gatehouse:9092',
  upstream: 'whoami:80',
  // Browsers refuse a cookie for Domain=localhost: the hosts sit one level down.
  appHost: 'app.gatehouse.localhost',
  portalHost: 'auth.gatehouse.localhost',
} as const;

/**
 * Replaces every occurrence of each `from` with its `to`, in order. A `from` that does
 * not occur throws: an example that no longer says what the tests expect must fail.
 */
export function substitute(text: string, pairs: ReadonlyArray<readonly [string, string]>): string {
  let out = text;
  for (const [from, to] of pairs) {
    if (!out.includes(from)) throw new Error(`the example no longer contains ${JSON.stringify(from)}`);
    out = out.split(from).join(to);
  }
  return out;
}

export interface ExampleTargets {
  /** host:port of Gatehouse and of the protected app. */
  gatehouse: string;
  upstream: string;
}

/** examples/nginx/gatehouse.conf with its addresses (and `listen 80`) replaced. */
export async function renderNginxExample(targets: ExampleTargets & { listen: string; appHost: string; portalHost: string }, file = NGINX_EXAMPLE): Promise<string> {
  return substitute(await readFile(file, 'utf8'), [
    [`server ${EXAMPLE_NAMES.gatehouse};`, `server ${targets.gatehouse};`],
    [`proxy_pass http://${EXAMPLE_NAMES.upstream};`, `proxy_pass http://${targets.upstream};`],
    ['listen 80;', `listen ${targets.listen};`],
    [`server_name ${EXAMPLE_NAMES.appHost};`, `server_name ${targets.appHost};`],
    [`server_name ${EXAMPLE_NAMES.portalHost};`, `server_name ${targets.portalHost};`],
  ]);
}

/** examples/caddy/Caddyfile with its site addresses and upstreams replaced. */
export async function renderCaddyExample(targets: ExampleTargets & { appSite: string; portalSite: string }, file = CADDY_EXAMPLE): Promise<string> {
  return substitute(await readFile(file, 'utf8'), [
    [`http://${EXAMPLE_NAMES.appHost} {`, `${targets.appSite} {`],
    [`http://${EXAMPLE_NAMES.portalHost} {`, `${targets.portalSite} {`],
    [EXAMPLE_NAMES.gatehouse, targets.gatehouse],
    [EXAMPLE_NAMES.upstream, targets.upstream],
  ]);
}

/** The `labels:` list of each compose service, as text parseTraefikLabels reads. */
function composeLabels(text: string): Map<string, string> {
  const services = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const service = /^ {2}([\w-]+):\s*$/.exec(line);
    if (service) current = service[1]!;
    else if (/^\S/.test(line)) current = undefined;
    else if (current && /^\s+-\s*"traefik\./.test(line)) services.set(current, `${services.get(current) ?? ''}${line}\n`);
  }
  return services;
}

/**
 * The routing Traefik's docker provider builds from examples/traefik/docker-compose.yml:
 * a router belongs to the service of the container carrying its labels; `servers` gives
 * each compose service's URL (the forwardAuth address is rewritten the same way).
 */
export async function traefikExampleConfig(servers: Record<string, string>, hosts: { appHost: string; portalHost: string }, file = TRAEFIK_EXAMPLE): Promise<TraefikDynamicConfig> {
  const text = substitute(await readFile(file, 'utf8'), [
    [`Host(\`${EXAMPLE_NAMES.appHost}\`)`, `Host(\`${hosts.appHost}\`)`],
    [`Host(\`${EXAMPLE_NAMES.portalHost}\`)`, `Host(\`${hosts.portalHost}\`)`],
  ]);
  const config: TraefikDynamicConfig = { middlewares: {}, routers: {}, services: {} };
  for (const [service, labels] of composeLabels(text)) {
    const url = servers[service];
    if (!url) throw new Error(`no address given for compose service ${service}`);
    const parsed = parseTraefikLabels(labels);
    for (const [name, middleware] of Object.entries(parsed.middlewares)) {
      config.middlewares[name] = { ...middleware, address: substitute(middleware.address, [[`http://${EXAMPLE_NAMES.gatehouse}`, servers.gatehouse ?? '']]) };
    }
    for (const [name, router] of Object.entries(parsed.routers)) config.routers[name] = { ...router, service };
    config.services[service] = url;
  }
  return config;
}

/** The Traefik labels of the example, exactly as written. */
export async function traefikExampleLabels(file = TRAEFIK_EXAMPLE): Promise<ReturnType<typeof parseTraefikLabels>> {
  const labels = [...composeLabels(await readFile(file, 'utf8')).values()].join('');
  return parseTraefikLabels(labels);
}
