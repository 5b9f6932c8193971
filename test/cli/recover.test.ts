import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../../config/users-schema.js';
import { sha256Hex } from '../../src/crypto/constant-time.js';
import { seedTotp } from '../support/cli-accounts.js';
import { gatehouse } from '../support/cli.js';
import { E2E_SECRET, startGatehouse, type GatehouseHandle } from '../support/proxies.js';
import { basic, readAuditFile } from '../support/user-password.js';

const PORTAL = 'http://auth.localhost';
const APP = 'http://app.localhost/dashboard';
const INSTANCE_TOKEN = 'gh-recover-test-instance-token-0123456789abcdef';
const ALICE_PW = 'alice lost her authenticator app';
const NEW_PASSWORD = 'a fresh passphrase after recovery';
const SECURITY = { bcryptCost: 12, regulation: { maxRetries: 100 } };

function cookieFrom(res: Response, name: string): string | undefined {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${name}=`) && c.length > name.length + 1);
}

const auditEvents = async (dataDir: string) => (await readAuditFile(dataDir)).events;

/** `gatehouse recover` run from a shell beside a RUNNING Gatehouse: the server follows without a restart. */
describe('gatehouse recover against a running server', () => {
  let gh: GatehouseHandle | undefined;
  afterEach(async () => {
    await gh?.close();
    gh = undefined;
  });

  const base = () => `http://127.0.0.1:${gh!.port}`;

  /** Which sign-in the running server's login page offers right now. */
  async function loginKind(): Promise<'password' | 'token' | 'open' | 'other'> {
    const html = await (await fetch(`${base()}/login`)).text();
    if (html.includes('name="password"')) return 'password';
    if (html.includes('name="token"')) return 'token';
    if (html.includes('<strong>open</strong> mode')) return 'open';
    return 'other';
  }

  /** The portal login form as a browser posts it. */
  async function formLogin(fields: Record<string, string>): Promise<{ status: number; location: string | null; session: string | undefined }> {
    const page = await fetch(`${base()}/login?rd=${encodeURIComponent(APP)}`);
    const csrfCookie = cookieFrom(page, 'gatehouse_csrf')!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const res = await fetch(`${base()}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL, cookie: csrfCookie },
      body: new URLSearchParams({ csrf, rd: APP, ...fields }),
    });
    return { status: res.status, location: res.headers.get('location'), session: cookieFrom(res, 'gatehouse_session') };
  }

  function jsonLogin(username: string, password: string): Promise<Response> {
    return fetch(`${base()}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: PORTAL }, body: JSON.stringify({ username, password }) });
  }

  /** The forward-auth check Traefik would make for the app, with a session cookie or an Authorization header. */
  function appCheck(credential: { cookie?: string; authorization?: string }): Promise<Response> {
    return fetch(`${base()}/api/authz/forward-auth`, {
      redirect: 'manual',
      headers: {
        'x-forwarded-method': 'GET',
        'x-forwarded-proto': 'http',
        'x-forwarded-host': 'app.localhost',
        'x-forwarded-uri': '/dashboard',
        'x-forwarded-for': '127.0.0.1',
        ...(credential.cookie ? { cookie: credential.cookie } : {}),
        ...(credential.authorization ? { authorization: credential.authorization } : {}),
      },
    });
  }

  async function recover(args: string[] = []): Promise<{ username: string; password: string }> {
    const cli = await gatehouse(gh!.dataDir, ['recover', ...args], '', { GATEHOUSE_SESSION_SECRET: E2E_SECRET });
    expect(cli.code, cli.stderr).toBe(0);
    const password = cli.stdout.trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const username = /Sign in as "([^"]+)"/.exec(cli.stderr)?.[1];
    expect(username, cli.stderr).toBeDefined();
    expect(cli.stderr).not.toContain(password);
    return { username: username!, password };
  }

  /**
   * Everything the printed password may and may not do on the running
   * server, ending with the new password in force. Returns the full session.
   */
  async function useOneTimePassword(username: string, password: string): Promise<string> {
    // The running server switched to userPassword by itself.
    await expect.poll(loginKind, { timeout: 5_000, interval: 50 }).toBe('password');

    // Not for scripts: JSON login and Basic auth refuse it, without using it up.
    const json = await jsonLogin(username, password);
    expect(json.status).toBe(403);
    expect(await json.json()).toMatchObject({ error: 'password_change_required' });
    expect(cookieFrom(json, 'gatehouse_session')).toBeUndefined();
    const basicCheck = await appCheck({ authorization: basic(username, password) });
    expect(basicCheck.status).toBe(401);
    expect(basicCheck.headers.get('remote-user')).toBeNull();

    // Once through the portal form: straight to the change-password step.
    const first = await formLogin({ username, password });
    expect(first.status).toBe(303);
    expect(first.location).toBe(`/profile/password?rd=${encodeURIComponent(APP)}`);
    const partial = first.session!;
    expect(partial).toBeDefined();

    // That session does not reach apps or the admin API.
    const check = await appCheck({ cookie: partial });
    expect(check.status).toBe(401);
    expect(check.headers.get('remote-user')).toBeNull();
    expect((await fetch(`${base()}/api/admin/users`, { headers: { cookie: partial } })).status).toBe(401);
    const step = await fetch(`${base()}/profile/password`, { headers: { cookie: partial } });
    expect(step.status).toBe(200);
    const stepHtml = await step.text();
    expect(stepHtml).toContain('action="/profile/password"');

    // The second time, anywhere, it is a wrong password.
    const second = await formLogin({ username, password });
    expect(second.status).toBe(401);
    expect(second.session).toBeUndefined();
    const jsonAgain = await jsonLogin(username, password);
    expect(jsonAgain.status).toBe(401);
    expect(await jsonAgain.json()).toMatchObject({ error: 'invalid_credentials' });
    expect((await appCheck({ authorization: basic(username, password) })).status).toBe(401);

    // The new password: the one-time session becomes a full one, and the app lets it through.
    const csrf = /name="csrf" value="([^"]+)"/.exec(stepHtml)![1]!;
    const changed = await fetch(`${base()}/profile/password`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL, cookie: `${partial}; ${cookieFrom(step, 'gatehouse_csrf')!}` },
      body: new URLSearchParams({ csrf, rd: APP, password: NEW_PASSWORD }),
    });
    expect(changed.status).toBe(303);
    expect(changed.headers.get('location')).toBe(APP);
    const full = cookieFrom(changed, 'gatehouse_session')!;
    const through = await appCheck({ cookie: full });
    expect(through.status).toBe(200);
    expect(through.headers.get('remote-user')).toBe(username);
    expect((await appCheck({ cookie: partial })).status).toBe(401);
    expect(await (await jsonLogin(username, NEW_PASSWORD)).json()).toMatchObject({ status: 'signed_in', role: 'admin' });
    expect((await jsonLogin(username, password)).status).toBe(401);

    const events = await auditEvents(gh!.dataDir);
    expect(events.filter((e) => e.event === 'user.one-time-password.used')).toEqual([expect.objectContaining({ actor: username, target: username })]);
    expect(gh!.logs()).not.toContain(password);
    expect(gh!.logs()).not.toContain(NEW_PASSWORD);
    return full;
  }

  it('token mode, no users: creates an admin, switches to userPassword live, and the printed password signs in once', async () => {
    gh = await startGatehouse({ config: { mode: 'token', token: { hash: sha256Hex(INSTANCE_TOKEN) }, security: SECURITY }, env: { portalUrl: PORTAL } });
    const port = gh.port;
    const tokenLogin = await formLogin({ token: INSTANCE_TOKEN });
    expect(tokenLogin.status).toBe(303);
    const tokenSession = tokenLogin.session!;
    expect((await appCheck({ cookie: tokenSession })).status).toBe(200);

    const { username, password } = await recover();
    expect(username).toBe('admin');
    await useOneTimePassword(username, password);

    // Same process, same port: no restart. The token-mode session belongs to the old mode.
    expect(gh.port).toBe(port);
    expect((await appCheck({ cookie: tokenSession })).status).toBe(401);
    expect(JSON.parse(await readFile(join(gh.dataDir, 'config.json'), 'utf8')).mode).toBe('userPassword');
    const events = await auditEvents(gh.dataDir);
    expect(events).toContainEqual(expect.objectContaining({ event: 'recover', actor: expect.stringMatching(/^cli/), target: 'admin', details: { from: 'token', to: 'userPassword' } }));
   }, 60_000);

  it('open mode with a switch pending: `recover --user alice` cancels the switch, resets her 2FA, and the switch never rolls back over it', async () => {
    gh = await startGatehouse({
      config: { mode: 'open', token: { hash: sha256Hex(INSTANCE_TOKEN) }, security: { ...SECURITY, switchConfirmWindow: '20s' } },
      env: { portalUrl: PORTAL },
      users: [{ username: 'alice', role: 'admin', password: ALICE_PW }],
    });
    const alice = (JSON.parse(await readFile(join(gh.dataDir, 'users.json'), 'utf8')) as { users: User[] }).users[0]!;
    await seedTotp(gh.dataDir, alice, E2E_SECRET);

    // An admin switches open → token from the settings page, and then can't get back in.
    const issued = await fetch(`${base()}/api/auth/csrf`);
    const { token: csrfToken } = (await issued.json()) as { token: string };
    const switched = await fetch(`${base()}/api/admin/mode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PORTAL, 'x-csrf-token': csrfToken, cookie: cookieFrom(issued, 'gatehouse_csrf')! },
      body: JSON.stringify({ mode: 'token' }),
    });
    expect(switched.status, await switched.clone().text()).toBe(200);
    const deadline = Date.parse(((await switched.json()) as { pending: { deadline: string } }).pending.deadline);
    expect(await loginKind()).toBe('token');

    const { username, password } = await recover(['--user', 'alice']);
    expect(username).toBe('alice');
    // The point of this case: recover ran while the switch was still waiting to roll back.
    expect(Date.now(), 'recover finished after the confirm window; raise switchConfirmWindow').toBeLessThan(deadline);
    expect(existsSync(join(gh.dataDir, 'mode-switch.json'))).toBe(false);

    await useOneTimePassword(username, password);
    // The new password gave a full session at once: the lost authenticator is no longer asked for.
    expect(await (await jsonLogin('alice', NEW_PASSWORD)).json()).toMatchObject({ status: 'signed_in' });
    expect((await jsonLogin('alice', ALICE_PW)).status).toBe(401);

    // Past the confirm window, the cancelled switch does not roll back to open.
    await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now()) + 1_500));
    expect(await loginKind()).toBe('password');
    expect(JSON.parse(await readFile(join(gh.dataDir, 'config.json'), 'utf8')).mode).toBe('userPassword');
    const events = await auditEvents(gh.dataDir);
    expect(events.map((e) => e.event)).not.toContain('mode.rollback');
    expect(events).toContainEqual(expect.objectContaining({ event: 'recover', target: 'alice', details: { from: 'token', to: 'userPassword' } }));
    expect(events).toContainEqual(expect.objectContaining({ event: 'mfa.reset', target: 'alice' }));
  }, 60_000);
});
