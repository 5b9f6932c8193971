import { rm } from 'node:fs/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersStore } from '../../config/users-store.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { WorkerPasswordHasher } from '../../src/users/password-hasher.js';
import { UserService } from '../../src/users/user-service.js';
import { cliDataDir, gatehouse } from '../support/cli.js';

const PORTAL = 'http://localhost';
const BOB_PW = 'bob likes long passphrases';

/** The CLI edits a running instance's data dir; the server follows without a restart. */
describe('CLI changes take effect live on a running server', () => {
  let dir: string;
  let server: RunningServer;
  let base: string;

  beforeAll(async () => {
    dir = await cliDataDir({ mode: 'userPassword' });
    const store = new UsersStore(dir);
    await store.open();
    const hasher = new WorkerPasswordHasher(1);
    const users = new UserService(store, { hasher, audit: new AuditLog(dir), regulator: null, bcryptCost: () => 10, now: Date.now });
    await users.create({ username: 'alice', password: 'correct horse battery staple', role: 'admin' }, { name: 'test' });
    await users.create({ username: 'bob', password: BOB_PW, role: 'editor' }, { name: 'test' });
    await hasher.close();
    store.close();
    server = await startServer(
      { dataDir: dir, port: 0, host: '127.0.0.1', sessionSecret: 'live-test-secret-0123456789abcdefghijklmnop', portalUrl: PORTAL, logLevel: 'silent' },
      pino({ level: 'silent' }),
    );
    base = `http://127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function login(username: string, password: string): Promise<Response> {
    return fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: PORTAL }, body: JSON.stringify({ username, password }) });
  }

  function sessionCookie(res: Response): string {
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('gatehouse_session=') && c.length > 'gatehouse_session='.length);
    if (!cookie) throw new Error(`no session cookie (status ${res.status})`);
    return cookie;
  }

  function check(cookie: string, method = 'GET'): Promise<Response> {
    return fetch(`${base}/api/authz/forward-auth`, {
      headers: { cookie, 'x-forwarded-method': method, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com', 'x-forwarded-uri': '/', 'x-forwarded-for': '203.0.113.7' },
    });
  }

  it('`gatehouse user set-role bob viewer` ends bob’s session within ~2 s', async () => {
    const res = await login('bob', BOB_PW);
    expect(res.status).toBe(200);
    const cookie = sessionCookie(res);
    const before = await check(cookie, 'POST');
    expect(before.status).toBe(200);
    expect(before.headers.get('remote-groups')).toBe('editor');

    const cli = await gatehouse(dir, ['user', 'set-role', 'bob', 'viewer']);
    expect(cli.code, cli.stderr).toBe(0);

    const deadline = Date.now() + 2_000;
    let status = 200;
    while (Date.now() < deadline) {
      status = (await check(cookie)).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);
    // Signing in again gives the new role: reads pass, writes are refused.
    const again = sessionCookie(await login('bob', BOB_PW));
    expect((await check(again)).headers.get('remote-groups')).toBe('viewer');
    expect((await check(again, 'POST')).status).toBe(403);
  });

  it('a user added with the CLI can sign in at once', async () => {
    const cli = await gatehouse(dir, ['user', 'add', 'carol', '--role', 'viewer', '--password-stdin'], 'carol picked a long one\n');
    expect(cli.code, cli.stderr).toBe(0);
    const deadline = Date.now() + 2_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await login('carol', 'carol picked a long one')).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });
});
