/**
 * /api/admin/users: list, create, edit, reset password, delete. Every route
 * keeps the admin-API contract (auth, role, CSRF, Origin, JSON, strict body,
 * step-up, audit); removing or demoting the last admin is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { adminRequest, adminWorld, describeAdminRoute, type AdminWorld } from '../support/admin-api.js';
import { ALICE, checkAs, readAuditFile, signIn, userPasswordFixture, VICTOR } from '../support/user-password.js';

const NEW_PASSWORD = 'a brand new passphrase 9';

describeAdminRoute('GET /api/admin/users', {
  method: 'GET',
  url: () => '/api/admin/users',
  success: {
    status: 200,
    check: (res) => {
      const users = res.json().users as Array<Record<string, unknown>>;
      expect(users.map((u) => [u.username, u.role])).toEqual([['alice', 'admin'], ['bob', 'editor'], ['victor', 'viewer']]);
      expect(users[0]).toMatchObject({ hasPassword: true, disabled: false, mfa: { methods: ['otp'] } });
      expect(res.body).not.toMatch(/passwordHash|\$2[aby]\$/);
    },
  },
});

describeAdminRoute('POST /api/admin/users', {
  method: 'POST',
  url: () => '/api/admin/users',
  body: () => ({ username: 'tina', role: 'editor', password: 'tina has a long passphrase', displayName: 'Tina' }),
  stepUp: true,
  success: {
    status: 201,
    audit: { event: 'user.create', target: 'tina' },
    check: async (res, world) => {
      expect(res.json().user).toMatchObject({ username: 'tina', role: 'editor', displayName: 'Tina', hasPassword: true });
      expect(res.body).not.toMatch(/passwordHash/);
      expect(await signIn(world.fx.app, { username: 'tina', password: 'tina has a long passphrase' })).toBeTruthy();
    },
  },
});

describeAdminRoute('PATCH /api/admin/users/:name', {
  method: 'PATCH',
  url: () => '/api/admin/users/victor',
  body: () => ({ role: 'editor' }),
  stepUp: true,
  success: {
    status: 200,
    audit: { event: 'user.role', target: 'victor' },
    check: async (res, world) => {
      expect(res.json().user).toMatchObject({ username: 'victor', role: 'editor' });
      // A role change ends the user's sessions.
      await expect.poll(async () => (await checkAs(world.fx.app, { session: world.viewer })).statusCode).toBe(401);
    },
  },
});

describeAdminRoute('POST /api/admin/users/:name/password', {
  method: 'POST',
  url: () => '/api/admin/users/victor/password',
  body: () => ({ password: NEW_PASSWORD }),
  stepUp: true,
  success: {
    status: 200,
    audit: { event: 'user.password', target: 'victor' },
    check: async (_res, world) => {
      expect(await signIn(world.fx.app, { username: 'victor', password: NEW_PASSWORD })).toBeTruthy();
      await expect.poll(async () => (await checkAs(world.fx.app, { session: world.viewer })).statusCode).toBe(401);
    },
  },
});

describeAdminRoute('DELETE /api/admin/users/:name', {
  method: 'DELETE',
  url: () => '/api/admin/users/victor',
  stepUp: true,
  success: {
    status: 200,
    audit: { event: 'user.delete', target: 'victor' },
    check: (_res, world) => {
      expect(world.fx.accounts.users.find('victor')).toBeUndefined();
    },
  },
});

describe('the last admin', () => {
  let world: AdminWorld;
  afterEach(() => world?.fx.close());

  const patch = (body: unknown) => adminRequest(world.fx, 'PATCH', '/api/admin/users/alice', { session: world.admin, body });

  it('cannot be deleted, demoted or disabled; nothing changes and nothing is audited', async () => {
    world = await adminWorld();
    const before = (await readAuditFile(world.fx.dataDir)).events.length;
    const refused = [
      await adminRequest(world.fx, 'DELETE', '/api/admin/users/alice', { session: world.admin }),
      await patch({ role: 'editor' }),
      await patch({ role: 'viewer' }),
      await patch({ disabled: true }),
    ];
    for (const res of refused) {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ error: 'last_admin' });
    }
    expect(world.fx.accounts.users.find('alice')).toMatchObject({ role: 'admin', disabled: false });
    expect((await readAuditFile(world.fx.dataDir)).events.slice(before).filter((e) => e.event.startsWith('user.'))).toEqual([]);
  });

  it('an admin without a password does not count as one who can sign in', async () => {
    world = await adminWorld();
    expect((await adminRequest(world.fx, 'POST', '/api/admin/users', { session: world.admin, body: { username: 'ghost', role: 'admin' } })).statusCode).toBe(201);
    const res = await adminRequest(world.fx, 'DELETE', '/api/admin/users/alice', { session: world.admin });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ error: 'last_admin' });
  });

  it('with a second admin, either may be demoted or deleted — until one is left', async () => {
    world = await adminWorld();
    const created = await adminRequest(world.fx, 'POST', '/api/admin/users', { session: world.admin, body: { username: 'ada', role: 'admin', password: 'ada is the other admin' } });
    expect(created.statusCode, created.body).toBe(201);
    expect((await adminRequest(world.fx, 'DELETE', '/api/admin/users/ada', { session: world.admin })).statusCode).toBe(200);
    expect((await adminRequest(world.fx, 'POST', '/api/admin/users', { session: world.admin, body: { username: 'ada', role: 'admin', password: 'ada is the other admin' } })).statusCode).toBe(201);
    // Alice demotes herself: allowed, ada remains; her own session ends with the role change.
    const demoted = await patch({ role: 'viewer' });
    expect(demoted.statusCode, demoted.body).toBe(200);
    const ada = await signIn(world.fx.app, { username: 'ada', password: 'ada is the other admin' });
    const last = await adminRequest(world.fx, 'PATCH', '/api/admin/users/ada', { session: ada, body: { role: 'editor' } });
    expect(last.statusCode).toBe(400);
    expect(last.json()).toMatchObject({ error: 'last_admin' });
  });
});

describe('/api/admin/users: validation and errors', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('names what is wrong: taken name 409, weak password 400, bad role 400, unknown user 404', async () => {
    fx = await userPasswordFixture([ALICE, VICTOR]);
    const admin = await signIn(fx.app, ALICE);
    const cases: Array<[string, 'POST' | 'PATCH', string, unknown, number, string]> = [
      ['taken (case-folded)', 'POST', '/api/admin/users', { username: 'Victor', role: 'viewer' }, 409, 'username_taken'],
      ['weak password', 'POST', '/api/admin/users', { username: 'walt', role: 'viewer', password: 'short' }, 400, 'weak_password'],
      ['unknown role', 'POST', '/api/admin/users', { username: 'walt', role: 'root' }, 400, 'invalid_request'],
      ['missing role', 'POST', '/api/admin/users', { username: 'walt' }, 400, 'invalid_request'],
      ['unknown user', 'PATCH', '/api/admin/users/nobody', { role: 'viewer' }, 404, 'no_such_user'],
      ['unknown user password', 'POST', '/api/admin/users/nobody/password', { password: NEW_PASSWORD }, 404, 'no_such_user'],
      ['wrong type', 'PATCH', '/api/admin/users/victor', { disabled: 'yes' }, 400, 'invalid_request'],
    ];
    for (const [what, method, url, body, status, error] of cases) {
      const res = await adminRequest(fx, method, url, { session: admin, body });
      expect(res.statusCode, `${what}: ${res.body}`).toBe(status);
      expect(res.json(), what).toMatchObject({ error });
    }
    expect((await adminRequest(fx, 'DELETE', '/api/admin/users/nobody', { session: admin })).statusCode).toBe(404);
    expect(fx.accounts.users.list().map((u) => u.username)).toEqual(['alice', 'victor']);
  });

  it("an admin's API token reads the API but never makes a sensitive change (that needs a browser session)", async () => {
    fx = await userPasswordFixture([ALICE, VICTOR]);
    const alice = fx.accounts.users.find('alice')!;
    const { token } = await fx.accounts.tokens.create(alice, { name: 'script' }, { name: 'test' });
    const authorization = `Bearer ${token}`;
    expect((await adminRequest(fx, 'GET', '/api/admin/users', { authorization, origin: null })).statusCode).toBe(200);
    const res = await adminRequest(fx, 'PATCH', '/api/admin/users/victor', { authorization, origin: null, body: { role: 'admin' } });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json()).toMatchObject({ error: 'interactive_session_required' });
    expect(fx.accounts.users.find('victor')?.role).toBe('viewer');
  });
});
