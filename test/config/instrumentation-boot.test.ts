import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/constant-time.js';
import { spawnTs, waitForExit, waitForOutput } from '../support/child-process.js';

/** Starts the real entry point (instrumentation.ts) on port 0 with a token-mode data dir. */
describe('instrumentation.ts refuses an unsafe start', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-boot-'));
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ version: 1, mode: 'token', domains: ['example.com'], token: { hash: sha256Hex('instance-token') } }));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  function start(secret: string | undefined) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GATEHOUSE_PORT: '0',
      GATEHOUSE_HOST: '127.0.0.1',
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_PORTAL_URL: 'https://auth.example.com',
      GATEHOUSE_LOG_LEVEL: 'info',
    };
    delete env.GATEHOUSE_SESSION_SECRET;
    if (secret !== undefined) env.GATEHOUSE_SESSION_SECRET = secret;
    return spawnTs('instrumentation.ts', [], env);
  }

  it.each([
    ['missing', undefined],
    ['31 characters', 'abcdefghijklmnopqrstuvwxyz01234'],
  ])('exits non-zero naming GATEHOUSE_SESSION_SECRET when it is %s', async (_label, secret) => {
    const result = await waitForExit(start(secret), 25_000);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toContain('GATEHOUSE_SESSION_SECRET');
    expect(result.stderr).toContain('refuses to start');
  });

  it('exits non-zero naming the file and the field path of an invalid config', async () => {
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ version: 1, mode: 'token', domains: ['example.com'], token: { hash: 'not-a-hash' }, session: { ttl: 'a day' } }));
    const result = await waitForExit(start('abcdefghijklmnopqrstuvwxyz012345'), 25_000);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toContain(join(dataDir, 'config.json'));
    expect(result.stderr).toMatch(/token\.hash: /);
    expect(result.stderr).toMatch(/session\.ttl: /);
  });

  it('lists the missing secret and the missing token together', async () => {
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ version: 1, mode: 'token', domains: ['example.com'] }));
    const result = await waitForExit(start(undefined), 25_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('GATEHOUSE_SESSION_SECRET');
    expect(result.stderr).toMatch(/token: token mode has no instance token/);
  });

  it('starts with a 32-character secret (the same setup otherwise)', async () => {
    const child = start('abcdefghijklmnopqrstuvwxyz012345');
    const exited = waitForExit(child, 25_000);
    try {
      await waitForOutput(child, 'Gatehouse listening', 20_000);
    } finally {
      child.kill('SIGTERM');
    }
    const result = await exited;
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('GATEHOUSE_SESSION_SECRET');
  });
});
