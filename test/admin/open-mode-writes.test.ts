/**
 * Open mode makes everyone an admin, so a fresh instance exposed by mistake
 * must not be taken over from the internet: every settings write is accepted
 * only from loopback and private networks (or `security.openModeAdminNetworks`),
 * judged by the client address a trusted proxy reports, never by the proxy's own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { adminRequest, type Method } from '../support/admin-api.js';
import { readAuditFile } from '../support/user-password.js';

const WRITES: ReadonlyArray<readonly [Method, string, unknown?]> = [
  ['POST', '/api/admin/users', { username: 'mallory', role: 'admin', password: 'mallory owns this now' }],
  ['PATCH', '/api/admin/users/bob', { role: 'admin' }],
  ['POST', '/api/admin/users/bob/password', { password: 'mallory owns this now' }],
  ['DELETE', '/api/admin/users/bob'],
  ['POST', '/api/admin/users/bob/reset-2fa', {}],
  ['PUT', '/api/admin/users/bob/require-2fa', { required: false }],
  ['DELETE', '/api/admin/sessions/abcdefghijklmnopqrstuv'],
  ['POST', '/api/admin/mode/preflight', { mode: 'token' }],
  ['POST', '/api/admin/mode', { mode: 'token' }],
  ['POST', '/api/admin/mode/confirm', {}],
  ['PUT', '/api/admin/rules', { rules: [{ domain: 'example.com', policy: 'bypass' }] }],
  ['POST', '/api/admin/rules/try', { url: 'https://app.example.com/' }],
  ['PUT', '/api/admin/security', { regulation: { maxRetries: 100 } }],
  ['POST', '/api/admin/bans/unban', { subject: '203.0.113.9' }],
  ['DELETE', '/api/admin/tokens/0123456789abcdef'],
  ['POST', '/api/admin/instance-token', {}],
];

describe('open mode: settings writes only from local and private networks', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  async function openFixture(security: Record<string, unknown> = {}): Promise<AppFixture> {
    const fixture = await createAppFixture({ mode: 'open', security: { bcryptCost: 12, ...security } });
    await fixture.accounts.users.create({ username: 'bob', role: 'editor', password: 'bob likes long passphrases' }, { name: 'test' });
    return fixture;
  }

  it('every write from a public client behind the trusted proxy is 403 open_mode_remote_write, and changes nothing', async () => {
    fx = await openFixture();
    const config = structuredClone(fx.store.current);
    const audited = (await readAuditFile(fx.dataDir)).events.length;
    for (const forwardedFor of ['203.0.113.9', '2001:db8::7', '10.0.0.8, 203.0.113.9']) {
      for (const [method, url, body] of WRITES) {
        const res = await adminRequest(fx, method, url, { body, forwardedFor });
        expect(res.statusCode, `${method} ${url} from ${forwardedFor}: ${res.body}`).toBe(403);
        expect(res.json()).toMatchObject({ error: 'open_mode_remote_write' });
      }
    }
    // A public peer talking to Gatehouse directly is refused the same way.
    const direct = await adminRequest(fx, 'POST', '/api/admin/users', { body: WRITES[0]![2], remoteAddress: '198.51.100.30' });
    expect(direct.statusCode).toBe(403);
    expect(fx.store.current).toEqual(config);
    expect(fx.accounts.users.list().map((u) => [u.username, u.role])).toEqual([['bob', 'editor']]);
    expect((await readAuditFile(fx.dataDir)).events).toHaveLength(audited);
  });

  it('from loopback and private networks the same writes go through', async () => {
    fx = await openFixture();
    const add = await adminRequest(fx, 'POST', '/api/admin/users', { body: { username: 'alice', role: 'admin', password: 'correct horse battery staple' } });
    expect(add.statusCode, add.body).toBe(201);
    expect((await adminRequest(fx, 'PUT', '/api/admin/rules', { body: WRITES[10]![2], forwardedFor: '192.168.1.20' })).statusCode).toBe(200);
    expect((await adminRequest(fx, 'PUT', '/api/admin/security', { body: WRITES[12]![2], forwardedFor: '10.1.2.3' })).statusCode).toBe(200);
    expect((await adminRequest(fx, 'POST', '/api/admin/mode/preflight', { body: { mode: 'userPassword' }, forwardedFor: '::1' })).json()).toMatchObject({ allowed: true });
    const switched = await adminRequest(fx, 'POST', '/api/admin/mode', { body: { mode: 'userPassword' } });
    expect(switched.statusCode, switched.body).toBe(200);
    const { events } = await readAuditFile(fx.dataDir);
    expect(events).toContainEqual(expect.objectContaining({ event: 'user.create', actor: 'open', target: 'alice' }));
    expect(events).toContainEqual(expect.objectContaining({ event: 'mode.switch', actor: 'open' }));
  });

  it('security.openModeAdminNetworks replaces the private ranges', async () => {
    fx = await openFixture({ openModeAdminNetworks: ['10.1.0.0/16'] });
    const body = { regulation: { maxRetries: 9 } };
    expect((await adminRequest(fx, 'PUT', '/api/admin/security', { body, forwardedFor: '10.1.200.3' })).statusCode).toBe(200);
    for (const forwardedFor of ['192.168.1.20', '10.2.0.1', '127.0.0.1']) {
      const res = await adminRequest(fx, 'PUT', '/api/admin/security', { body, forwardedFor });
      expect(res.statusCode, forwardedFor).toBe(403);
      expect(res.json()).toMatchObject({ error: 'open_mode_remote_write' });
    }
  });
});
