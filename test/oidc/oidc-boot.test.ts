import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnTs, waitForExit, waitForOutput } from '../support/child-process.js';
import { freePort } from '../support/free-port.js';

const SECRET = 'abcdefghijklmnopqrstuvwxyz012345';

/** The real entry point (instrumentation.ts) in oauth2 mode. */
describe('oauth2 boot checks', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-oidc-boot-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  function start(config: object, secret: string | undefined, port = 0) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GATEHOUSE_PORT: String(port),
      GATEHOUSE_HOST: '127.0.0.1',
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_PORTAL_URL: 'https://auth.example.com',
      GATEHOUSE_LOG_LEVEL: 'info',
    };
    delete env.GATEHOUSE_SESSION_SECRET;
    if (secret !== undefined) env.GATEHOUSE_SESSION_SECRET = secret;
    return writeFile(join(dataDir, 'config.json'), JSON.stringify({ version: 1, domains: ['example.com'], ...config })).then(() => spawnTs('instrumentation.ts', [], env));
  }

  it('no oauth2 block and no secret: refuses to start, naming both at once', async () => {
    const result = await waitForExit(await start({ mode: 'oauth2' }, undefined), 25_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('refuses to start');
    expect(result.stderr).toContain('GATEHOUSE_SESSION_SECRET: missing');
    expect(result.stderr).toContain('oauth2 mode refuses to start without oauth2.issuerUrl and oauth2.clientId');
  });

  it('an oauth2 block without clientId: refuses, naming the field', async () => {
    const result = await waitForExit(await start({ mode: 'oauth2', oauth2: { issuerUrl: 'https://idp.example.com' } }, SECRET), 25_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/oauth2\.clientId: /);
    expect(result.stderr).not.toContain('GATEHOUSE_SESSION_SECRET');
  });

  it('a 31-character secret is refused in oauth2 mode too', async () => {
    const result = await waitForExit(await start({ mode: 'oauth2', oauth2: { issuerUrl: 'https://idp.example.com', clientId: 'gh' } }, SECRET.slice(0, 31)), 25_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('GATEHOUSE_SESSION_SECRET: is 31 characters');
  });

  it('an unreachable provider is not fatal: Gatehouse listens and reports degraded health', async () => {
    const port = await freePort();
    const idpPort = await freePort();
    const child = await start({ mode: 'oauth2', oauth2: { issuerUrl: `http://127.0.0.1:${idpPort}`, clientId: 'gh' } }, SECRET, port);
    const exited = waitForExit(child, 30_000);
    try {
      await waitForOutput(child, 'Gatehouse listening', 20_000);
      let body: { status?: string; oidc?: { state?: string } } = {};
      for (let i = 0; i < 100 && body.oidc?.state !== 'unreachable'; i++) {
        body = (await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()) as typeof body;
        if (body.oidc?.state !== 'unreachable') await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(body).toMatchObject({ status: 'degraded', oidc: { state: 'unreachable' } });
    } finally {
      child.kill('SIGTERM');
    }
    const result = await exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/OIDC provider not usable yet/);
  });
});
