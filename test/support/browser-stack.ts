/**
 * The stack every browser e2e test stands on: Chromium, a recording upstream app, an
 * in-process Gatehouse and real nginx in front of both, on *.gh.localhost hosts with the
 * session cookie on the parent domain (see browser.ts for why not plain localhost).
 */
import type { Browser, Page } from 'playwright-core';
import type { ConfigInput } from '../../config/schema.js';
import type { NewUser } from '../../src/users/user-service.js';
import { BROWSER_APP_HOST, BROWSER_DOMAIN, BROWSER_PORTAL_HOST, launchBrowser, screenshot } from './browser.js';
import { freePort, startGatehouse, startNginx, startUpstream, type GatehouseHandle, type ProxyHandle, type Upstream } from './proxies.js';

export interface BrowserStack {
  readonly browser: Browser;
  readonly upstream: Upstream;
  readonly gatehouse: GatehouseHandle;
  readonly nginx: ProxyHandle;
  /** nginx's port, for both the app and the portal host. */
  readonly port: number;
  /** The portal's origin, e.g. http://auth.gh.localhost:PORT. */
  readonly portal: string;
  appUrl(path: string): string;
  /** Screenshots of `pages` and what nginx and Gatehouse logged, for a failed test's message. */
  failureReport(testName: string, pages: ReadonlyArray<readonly [string, Page | undefined]>, browserLog?: readonly string[]): Promise<string>;
  close(): Promise<void>;
}

export interface BrowserStackOptions {
  /** Merged over userPassword mode on the browser domain, bcrypt cost 12, a roomy retry budget. */
  readonly config?: Partial<ConfigInput>;
  readonly users?: readonly NewUser[];
}

export async function startBrowserStack(options: BrowserStackOptions = {}): Promise<BrowserStack> {
  // The browser first: a missing Chromium fails here, before anything else starts.
  const browser = await launchBrowser();
  const upstream = await startUpstream();
  const port = await freePort();
  const portal = `http://${BROWSER_PORTAL_HOST}:${port}`;
  const gatehouse = await startGatehouse({
    config: {
      mode: 'userPassword',
      domains: [BROWSER_DOMAIN],
      session: { cookieDomain: BROWSER_DOMAIN },
      security: { bcryptCost: 12, regulation: { maxRetries: 100 } },
      ...options.config,
    },
    env: { portalUrl: portal },
    users: options.users,
  });
  const nginx = await startNginx({ gatehousePort: gatehouse.port, upstreamPort: upstream.port, port, appHost: BROWSER_APP_HOST, portalHost: BROWSER_PORTAL_HOST });
  return {
    browser,
    upstream,
    gatehouse,
    nginx,
    port,
    portal,
    appUrl: (path) => `http://${BROWSER_APP_HOST}:${port}${path}`,
    async failureReport(testName, pages, browserLog = []) {
      const shots: string[] = [];
      for (const [name, page] of pages) {
        if (!page) continue;
        const shot = await screenshot(page, `failed-${name}-${testName.slice(0, 40)}`).catch((error: Error) => `no screenshot: ${error.message}`);
        shots.push(`${name}: page ${page.url()}; ${shot}`);
      }
      return `[${testName}] ${shots.join('\n')}\n--- browser ---\n${browserLog.join('\n')}\n${await nginx.diagnostics()}\n--- gatehouse ---\n${gatehouse.logs().slice(-4000)}`;
    },
    async close() {
      await browser.close();
      await nginx.close();
      await gatehouse.close();
      await upstream.close();
    },
  };
}
