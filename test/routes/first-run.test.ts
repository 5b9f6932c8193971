/**
 * A first run leads somewhere: the open-mode home page links to the settings and
 * lists the steps that make Gatehouse protect something, and the default portal
 * (login links, redirects) is on the port Gatehouse really listens on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server.js';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { freePort } from '../support/free-port.js';
import { TOKEN_MODE } from '../support/portal.js';

describe('first run', () => {
  let fx: AppFixture | undefined;
  let server: RunningServer | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await fx?.close();
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    fx = server = dataDir = undefined;
  });

  it('the open-mode home page is titled "Gatehouse", links to /settings and lists the first steps', async () => {
    fx = await createAppFixture();
    const res = await fx.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>Gatehouse</title>');
    expect(res.body).toContain('<a href="/settings#mode">Settings</a>');
    expect(res.body).toContain('<a href="/settings">Open the settings</a>');
    for (const step of ['Protect a domain', 'Add an admin', 'Pick a mode', 'Run the doctor']) expect(res.body).toContain(step);
  });

  it('other modes show no first-run checklist, and other pages keep "<page> · Gatehouse"', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const home = await fx.app.inject({ method: 'GET', url: '/' });
    expect(home.body).not.toContain('First steps');
    expect(home.body).toContain('<title>Gatehouse</title>');
    const login = await fx.app.inject({ method: 'GET', url: '/login' });
    expect(login.body).toContain('<title>Sign in · Gatehouse</title>');
  });

  it('with GATEHOUSE_PORT and no portal URL, the portal\'s links point at that port', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-first-run-'));
    const port = await freePort();
    server = await startServer({ dataDir, port, host: '127.0.0.1', sessionSecret: undefined, portalUrl: undefined, logLevel: 'silent' }, pino({ level: 'silent' }));
    expect(server.port).toBe(port);
    const login = await server.app.inject({ method: 'GET', url: '/login' });
    // Continue goes to the portal's home: on the port Gatehouse listens on.
    expect(login.body).toContain(`href="http://localhost:${port}/"`);
    expect(login.body).not.toContain('localhost:9092');
  });
});
