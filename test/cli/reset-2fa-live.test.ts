import { rm } from 'node:fs/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../config/users-schema.js';
import { totpCode } from '../../src/mfa/totp.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { seedTotp, seedUsers } from '../support/cli-accounts.js';
import { cliDataDir, gatehouse } from '../support/cli.js';

const PORTAL = 'http://localhost';
const SECRET = 'live-2fa-secret-0123456789abcdefghijklmnop';
const ALICE_PW = 'correct horse battery staple';

function cookieFrom(res: Response, name: string): string | undefined {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${name}=`) && c.length > name.length + 1);
}

/** `gatehouse user reset-2fa` edits credentials.json; a running server notices and ends the user's sessions. */
describe('reset-2fa from the CLI on a running server', () => {
  let dir: string;
  let server: RunningServer;
  let base: string;
  let secret: string;

  beforeAll(async () => {
    dir = await cliDataDir({ mode: 'userPassword' });
    const [alice] = (await seedUsers(dir, [{ username: 'alice', password: ALICE_PW, role: 'admin' }])) as [User];
    secret = await seedTotp(dir, alice, SECRET);
    server = await startServer({ dataDir: dir, port: 0, host: '127.0.0.1', sessionSecret: SECRET, portalUrl: PORTAL, logLevel: 'silent' }, pino({ level: 'silent' }));
    base = `http://127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function check(cookie: string): Promise<Response> {
    return fetch(`${base}/api/authz/forward-auth`, {
      headers: { cookie, 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com', 'x-forwarded-uri': '/', 'x-forwarded-for': '203.0.113.7' },
    });
  }

  /** Password, then a current code, over HTTP: the full session cookie. */
  async function signInWithCode(): Promise<string> {
    const json = { 'content-type': 'application/json', origin: PORTAL };
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'alice', password: ALICE_PW }) });
    expect(await login.json()).toMatchObject({ status: 'second_factor_required' });
    const partial = cookieFrom(login, 'gatehouse_session')!;
    const second = await fetch(`${base}/api/auth/2fa`, { method: 'POST', headers: { ...json, cookie: partial }, body: JSON.stringify({ code: await totpCode(secret, Date.now()) }) });
    expect(second.status).toBe(200);
    return cookieFrom(second, 'gatehouse_session')!;
  }

  it('ends the user\'s sessions within ~2 s', async () => {
    const cookie = await signInWithCode();
    const before = await check(cookie);
    expect(before.status).toBe(200);
    expect(before.headers.get('remote-user')).toBe('alice');

    const cli = await gatehouse(dir, ['user', 'reset-2fa', 'alice']);
    expect(cli.code, cli.stderr).toBe(0);

    const deadline = Date.now() + 2_000;
    let status = 200;
    while (Date.now() < deadline) {
      status = (await check(cookie)).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);
    // The server also knows she has no second factor now: the password alone signs her in.
    const again = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: PORTAL }, body: JSON.stringify({ username: 'alice', password: ALICE_PW }) });
    expect(await again.json()).toMatchObject({ status: 'signed_in' });
  });
});
