/**
 * Gatehouse as the benches run it: a fresh data dir written before boot, the built server
 * (dist/) pinned to the server CPU, and a real session cookie from the JSON login API.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SERVER_CPU } from './bench-kit.js';
import { httpRequest, setCookieValue, startPinnedServer, type BenchServer } from './servers.js';

/** A fresh data dir holding `config` (the document config.json takes). */
export async function writeDataDir(config: object): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
  await writeFile(join(dataDir, 'config.json'), JSON.stringify(config, null, 2));
  return dataDir;
}

/** Adds an account with a random password, the way an operator does (`gatehouse user add --password-stdin`). */
export function addUser(dataDir: string, username: string, role: 'admin' | 'editor' | 'viewer'): string {
  const password = randomBytes(18).toString('base64url');
  const cli = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'user', 'add', username, '--role', role, '--password-stdin'], {
    env: { ...process.env, GATEHOUSE_DATA_DIR: dataDir },
    input: `${password}\n`,
    encoding: 'utf8',
  });
  if (cli.status !== 0) throw new Error(`gatehouse user add failed (${cli.status}):\n${cli.stdout}${cli.stderr}`);
  return password;
}

/** The built Gatehouse on 127.0.0.1, an OS-chosen port and the server CPU, logging warn and above. */
export function startGatehouse(name: string, dataDir: string, portalUrl: string, nodeArgs: readonly string[] = []): Promise<BenchServer> {
  return startPinnedServer(name, join(ROOT, 'test/bench/gatehouse-server.mjs'), SERVER_CPU, {
    ...process.env,
    NODE_ENV: 'production',
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_PORT: '0',
    GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_LOG_LEVEL: 'warn',
    GATEHOUSE_SESSION_SECRET: randomBytes(36).toString('base64url'), // 48 characters
    GATEHOUSE_PORTAL_URL: portalUrl,
  }, nodeArgs);
}

/**
 * Signs in with the JSON twin of the login form, as a script would (`{username, password}`
 * in userPassword mode, `{token}` in token mode), and returns `gatehouse_session=<id.secret>`.
 */
export async function jsonLogin(port: number, portalUrl: string, credentials: Record<string, string>): Promise<string> {
  const body = JSON.stringify(credentials);
  const result = await httpRequest(port, 'POST', '/api/auth/login', { 'content-type': 'application/json', origin: portalUrl }, body);
  const session = setCookieValue(result.headers, 'gatehouse_session');
  if (result.status !== 200 || !session) throw new Error(`POST /api/auth/login gave ${result.status} without a session cookie:\n${result.body}`);
  return `gatehouse_session=${session}`;
}
