/**
 * README.md shows the proxy configs the e2e tests run. The nginx and Caddy
 * snippets are examples/nginx/gatehouse.conf and examples/caddy/Caddyfile with
 * README's example.com names; the Traefik ones are the parts of the templates in
 * test/e2e/proxies/ between their gatehouse-snippet markers, and configure what
 * examples/traefik/docker-compose.yml's labels do. The README must show exactly
 * that, as a whole fenced block, so editing one without the other fails here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_NAMES, renderCaddyExample, renderNginxExample, traefikExampleLabels } from '../support/examples.js';
import { extractSnippet, renderTemplate, TRAEFIK_DYNAMIC_TEMPLATE, TRAEFIK_LABELS_TEMPLATE } from '../support/proxies.js';
import { parseTraefikFileProvider, parseTraefikLabels } from '../support/traefik-harness.js';

const README = join(import.meta.dirname, '..', '..', 'README.md');

/** The example values README.md uses for the templates' placeholders. */
const README_VALUES = {
  GATEHOUSE: 'gatehouse:9092',
  UPSTREAM: 'app:8080',
  APP_HOST: 'app.example.com',
  PORTAL_HOST: 'auth.example.com',
};

const README_TARGETS = { gatehouse: README_VALUES.GATEHOUSE, upstream: README_VALUES.UPSTREAM };

const SNIPPETS = [
  { name: 'Traefik docker labels', fence: 'yaml', text: () => fromTemplate(TRAEFIK_LABELS_TEMPLATE, { GATEHOUSE: README_VALUES.GATEHOUSE, APP_HOST: README_VALUES.APP_HOST, PORTAL_HOST: README_VALUES.PORTAL_HOST }) },
  { name: 'Traefik file provider', fence: 'yaml', text: () => fromTemplate(TRAEFIK_DYNAMIC_TEMPLATE, README_VALUES) },
  { name: 'nginx', fence: 'nginx', text: async () => (await renderNginxExample({ ...README_TARGETS, listen: '80', appHost: README_VALUES.APP_HOST, portalHost: README_VALUES.PORTAL_HOST })).trim() },
  { name: 'Caddy', fence: 'caddyfile', text: async () => (await renderCaddyExample({ ...README_TARGETS, appSite: README_VALUES.APP_HOST, portalSite: README_VALUES.PORTAL_HOST })).trim() },
] as const;

async function fromTemplate(template: string, values: Record<string, string>): Promise<string> {
  return renderTemplate(extractSnippet(await readFile(template, 'utf8')), values);
}

async function proxiesSection(): Promise<string> {
  const text = await readFile(README, 'utf8');
  const start = text.indexOf('<!-- proxies:start -->');
  const end = text.indexOf('<!-- proxies:end -->');
  expect(start, 'README.md has <!-- proxies:start -->').toBeGreaterThan(-1);
  expect(end, 'README.md has <!-- proxies:end --> after the start marker').toBeGreaterThan(start);
  expect(text.indexOf('<!-- proxies:start -->', start + 1), 'only one proxies:start marker').toBe(-1);
  return text.slice(start, end);
}

function readmeSnippet(snippet: (typeof SNIPPETS)[number]): Promise<string> {
  return snippet.text();
}

describe('README proxy snippets', () => {
  for (const snippet of SNIPPETS) {
    it(`shows the ${snippet.name} config the e2e tests run, verbatim, as one fenced block`, async () => {
      const section = await proxiesSection();
      const expected = await readmeSnippet(snippet);
      expect(expected.length).toBeGreaterThan(100);
      expect(expected).not.toMatch(/\{\{[A-Z_]+\}\}/);
      expect(section).toContain(`\`\`\`${snippet.fence}\n${expected}\n\`\`\``);
    });
  }

  it('the Traefik labels and file-provider snippets configure the same forwardAuth middleware and routers', async () => {
    const labels = parseTraefikLabels(await readmeSnippet(SNIPPETS[0]));
    const file = parseTraefikFileProvider(await readmeSnippet(SNIPPETS[1]));
    expect(labels.middlewares).toEqual(file.middlewares);
    expect(file.middlewares.gatehouse).toEqual({
      address: 'http://gatehouse:9092/api/authz/forward-auth',
      trustForwardHeader: false,
      authResponseHeaders: ['Remote-User', 'Remote-Groups', 'Remote-Email', 'Remote-Name'],
    });
    for (const [name, router] of Object.entries(file.routers)) {
      expect(labels.routers[name], `router ${name} in the labels`).toEqual({ rule: router.rule, middlewares: router.middlewares });
    }
    expect(Object.keys(labels.routers).sort()).toEqual(Object.keys(file.routers).sort());
  });

  it('the Traefik labels README shows are the ones examples/traefik runs', async () => {
    const readme = parseTraefikLabels(await fromTemplate(TRAEFIK_LABELS_TEMPLATE, { GATEHOUSE: EXAMPLE_NAMES.gatehouse, APP_HOST: EXAMPLE_NAMES.appHost, PORTAL_HOST: EXAMPLE_NAMES.portalHost }));
    expect(await traefikExampleLabels()).toEqual(readme);
  });

  it('the nginx snippet is the fastest correct configuration: connections to Gatehouse are kept open', async () => {
    const nginx = await readmeSnippet(SNIPPETS[2]);
    expect(nginx).toMatch(/upstream gatehouse \{[^}]*keepalive \d+;[^}]*\}/);
    const authz = /location = \/internal\/authz \{[^}]*\}/.exec(nginx)![0];
    expect(authz).toContain('proxy_http_version 1.1;');
    expect(authz).toContain('proxy_set_header Connection "";');
  });

  it('points every proxy at the endpoint DESIGN.md assigns it', async () => {
    const [labels, file, nginx, caddy] = await Promise.all(SNIPPETS.map(readmeSnippet));
    expect(labels).toContain('forwardauth.address=http://gatehouse:9092/api/authz/forward-auth');
    expect(file).toContain('address: "http://gatehouse:9092/api/authz/forward-auth"');
    expect(nginx).toContain('proxy_pass http://gatehouse/api/authz/auth-request;');
    expect(caddy).toContain('uri /api/authz/forward-auth');
  });
});
