/**
 * The Traefik-faithful harness (test/support/traefik-harness.ts) running the
 * routing of examples/traefik/docker-compose.yml's labels (README.md's labels and
 * file-provider snippets configure the same, see readme-snippets.test.ts): forwardAuth → /api/authz/forward-auth of a real Gatehouse
 * in token mode, a recording upstream app, and the portal router. The cases
 * every proxy shares are in proxy-contract.ts; here is what the harness
 * records of the check request itself.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { traefikExampleConfig } from '../support/examples.js';
import { APP_HOST, PORTAL_HOST } from '../support/proxies.js';
import { startTraefikHarness, type TraefikHarness } from '../support/traefik-harness.js';
import { proxyContract } from './proxy-contract.js';

let traefik: TraefikHarness;

proxyContract(
  'Traefik forwardAuth (harness) in front of Gatehouse (token mode)',
  {
    endpoint: 'forward-auth',
    portalRoute: 'through the portal router',
    // Remote_User is a different header name to Traefik (Go), which passes it on
    // untouched: see README. nginx and Caddy configs drop it; not asserted here.
    dropsUnderscoreHeaders: false,
    startProxy: async ({ gatehousePort, upstreamPort, port }) => {
      const config = await traefikExampleConfig({ gatehouse: `http://127.0.0.1:${gatehousePort}`, whoami: `http://127.0.0.1:${upstreamPort}` }, { appHost: APP_HOST, portalHost: PORTAL_HOST });
      traefik = await startTraefikHarness({ config, port });
      return traefik;
    },
  },
  (stack) => {
    const { app, context } = stack;
    beforeEach(() => {
      traefik.authRequests.length = 0;
    });

    describe('the check request Traefik sends', () => {
      it('is a GET without a body to /api/authz/forward-auth carrying the X-Forwarded-* Traefik sets', async () => {
        const res = await app('/api/items?q=1', { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' }, 'PUT', '{"a":1}');
        expect(res.status, await context(res)).toBe(200);
        expect(traefik.authRequests).toHaveLength(1);
        const check = traefik.authRequests[0]!;
        expect(check.method).toBe('GET');
        expect(check.path).toBe('/api/authz/forward-auth');
        expect(check.headers).toMatchObject({
          'X-Forwarded-Method': ['PUT'],
          'X-Forwarded-Proto': ['http'],
          'X-Forwarded-Host': [`${APP_HOST}:${stack.port}`],
          'X-Forwarded-Uri': ['/api/items?q=1'],
          'X-Forwarded-For': ['127.0.0.1'],
          Authorization: [`Bearer ${stack.token}`],
        });
        expect(check.headers['Content-Length']).toBeUndefined();
        expect(stack.upstream.requests[0]).toMatchObject({ method: 'PUT', body: '{"a":1}' });
      });
    });
  },
);
