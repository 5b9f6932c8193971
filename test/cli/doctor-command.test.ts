/**
 * `gatehouse doctor` against a running server: it proves access to the data dir with a
 * ticket it mints there (no password), or uses --token for a server elsewhere; it prints
 * each finding with its fix and exits 1 on an error.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/constant-time.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { cliDataDir, gatehouse } from '../support/cli.js';
import { freePort } from '../support/free-port.js';
import { rawCheck } from '../support/raw-check.js';

const TOKEN = 'doctor-cli-instance-token-0123456789abcdef';

describe('gatehouse doctor', () => {
  let dir: string;
  let elsewhere: string;
  let server: RunningServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await cliDataDir({ mode: 'token', token: { hash: sha256Hex(TOKEN) }, session: { cookieDomain: 'example.com' } });
    elsewhere = await mkdtemp(join(tmpdir(), 'gatehouse-doctor-elsewhere-'));
    server = await startServer(
      { dataDir: dir, port: 0, host: '127.0.0.1', sessionSecret: 'doctor-cli-session-secret-0123456789abcdefgh', portalUrl: 'https://auth.example.com', logLevel: 'silent' },
      pino({ level: 'silent' }),
    );
    env = { GATEHOUSE_PORT: String(server.port), GATEHOUSE_HOST: '127.0.0.1' };
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('with access to the data dir it needs no password, exits 0 on warnings only, and leaves no ticket behind', async () => {
    const result = await gatehouse(dir, ['doctor'], '', env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Gatehouse doctor: http://127.0.0.1:${server.port} (mode token`);
    expect(result.stdout).toMatch(/WARN {2}no_checks/);
    expect((await readdir(dir)).filter((name) => name.includes('ticket'))).toEqual([]);
  });

  it('without the data dir or a token it is refused, and says how to get in', async () => {
    const result = await gatehouse(elsewhere, ['doctor'], '', env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/refused the doctor \(401\).*--token/);
  });

  it('exits 1 on an error finding and prints the fix; --token and --url reach a server from anywhere; --json for scripts', async () => {
    const status = await rawCheck(server.port, { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com', 'x-forwarded-for': '203.0.113.9' });
    expect(status).toBe(400);
    const text = await gatehouse(elsewhere, ['doctor', '--url', `http://127.0.0.1:${server.port}`, '--token', TOKEN]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/ERROR missing_header \(127\.0\.0\.1\): .*x-forwarded-uri/);
    expect(text.stdout).toContain('fix (caddy):');
    const json = await gatehouse(elsewhere, ['doctor', '--url', `http://127.0.0.1:${server.port}`, '--token', TOKEN, '--json']);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; findings: Array<{ code: string }> };
    expect(parsed.ok).toBe(false);
    expect(parsed.findings.map((f) => f.code)).toContain('missing_header');
  });

  it('a server that is not there is a clear error, not a stack trace', async () => {
    const port = await freePort();
    const result = await gatehouse(elsewhere, ['doctor', '--url', `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`cannot reach Gatehouse at http://127.0.0.1:${port} (ECONNREFUSED): is it running? Give its address with --url\n`);
  });
});
