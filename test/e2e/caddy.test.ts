/**
 * Real Caddy (forward_auth → /api/authz/forward-auth) in front of a real
 * Gatehouse in token mode and a recording upstream app, configured by
 * test/e2e/proxies/Caddyfile.template (the config README.md shows). The
 * cases every proxy shares are in proxy-contract.ts; here is Caddy's own.
 */
import { describe, expect, it } from 'vitest';
import { startCaddy } from '../support/proxies.js';
import { IDENTITY_HEADERS, proxyContract } from './proxy-contract.js';

proxyContract(
  'Caddy forward_auth in front of Gatehouse (token mode)',
  {
    endpoint: 'forward-auth',
    portalRoute: 'through the portal behind Caddy',
    dropsUnderscoreHeaders: true,
    startProxy: (ports) => startCaddy(ports),
  },
  (stack) => {
    const { app, context } = stack;
    describe('copy-headers-never-forwards-literal-placeholders', () => {
      // Caddy 2.6's copy_headers sets a header the auth response lacks to the text
      // "{http.reverse_proxy.header.<name>}"; the Caddyfile removes those.
      it('the app never sees a placeholder for a Remote-* header Gatehouse did not send', async () => {
        const { upstream } = stack;
        const anonymous = await app('/public/page');
        const token = await app('/x', { authorization: `Bearer ${stack.token}` });
        expect([anonymous.status, token.status], await context(token)).toEqual([200, 200]);
        expect(upstream.requests).toHaveLength(2);
        for (const seen of upstream.requests) {
          for (let i = 1; i < seen.rawHeaders.length; i += 2) expect(seen.rawHeaders[i], seen.rawHeaders[i - 1]).not.toContain('{http.');
        }
        for (const name of IDENTITY_HEADERS) expect(upstream.headerValues(upstream.requests[0]!, name), name).toEqual([]);
        expect(upstream.headerValues(upstream.requests[1]!, 'remote-email')).toEqual([]);
        expect(upstream.headerValues(upstream.requests[1]!, 'remote-user')).toEqual(['token']);
      });
    });
  },
);
