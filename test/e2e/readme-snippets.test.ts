/**
 * README.md shows the proxy configs the e2e tests run. Each snippet is the
 * part of a template in test/e2e/proxies/ between its gatehouse-snippet
 * markers, with the README's example values in place of the placeholders;
 * the README must show exactly that, as a whole fenced block, so editing one
 * without the other fails here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CADDY_TEMPLATE, extractSnippet, NGINX_TEMPLATE, renderTemplate, TRAEFIK_DYNAMIC_TEMPLATE, TRAEFIK_LABELS_TEMPLATE } from '../support/proxies.js';
import { parseTraefikFileProvider, parseTraefikLabels } from '../support/traefik-harness.js';

const README = join(import.meta.dirname, '..', '..', 'README.md');

/** The example values README.md uses for the templates' placeholders. */
const README_VALUES = {
  GATEHOUSE: 'gatehouse:9092',
  UPSTREAM: 'app:8080',
  APP_HOST: 'app.example.com',
  PORTAL_HOST: 'auth.example.com',
};

const SNIPPETS = [
  { name: 'Traefik docker labels', template: TRAEFIK_LABELS_TEMPLATE, fence: 'yaml', values: { GATEHOUSE: README_VALUES.GATEHOUSE, APP_HOST: README_VALUES.APP_HOST, PORTAL_HOST: README_VALUES.PORTAL_HOST } },
  { name: 'Traefik file provider', template: TRAEFIK_DYNAMIC_TEMPLATE, fence: 'yaml', values: README_VALUES },
  { name: 'nginx', template: NGINX_TEMPLATE, fence: 'nginx', values: { ...README_VALUES, LISTEN: '80' } },
  { name: 'Caddy', template: CADDY_TEMPLATE, fence: 'caddyfile', values: { GATEHOUSE: README_VALUES.GATEHOUSE, UPSTREAM: README_VALUES.UPSTREAM, APP_SITE: README_VALUES.APP_HOST, PORTAL_SITE: README_VALUES.PORTAL_HOST } },
] as const;

async function proxiesSection(): Promise<string> {
  const text = await readFile(README, 'utf8');
  const start = text.indexOf('<!-- proxies:start -->');
  const end = text.indexOf('<!-- proxies:end -->');
  expect(start, 'README.md has <!-- proxies:start -->').toBeGreaterThan(-1);
  expect(end, 'README.md has <!-- proxies:end --> after the start marker').toBeGreaterThan(start);
  expect(text.indexOf('<!-- proxies:start -->', start + 1), 'only one proxies:start marker').toBe(-1);
  return text.slice(start, end);
}

async function readmeSnippet(snippet: (typeof SNIPPETS)[number]): Promise<string> {
  return renderTemplate(extractSnippet(await readFile(snippet.template, 'utf8')), snippet.values);
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

  it('points every proxy at the endpoint DESIGN.md assigns it', async () => {
    const [labels, file, nginx, caddy] = await Promise.all(SNIPPETS.map(readmeSnippet));
    expect(labels).toContain('forwardauth.address=http://gatehouse:9092/api/authz/forward-auth');
    expect(file).toContain('address: "http://gatehouse:9092/api/authz/forward-auth"');
    expect(nginx).toContain('proxy_pass http://gatehouse/api/authz/auth-request;');
    expect(caddy).toContain('uri /api/authz/forward-auth');
  });
});
