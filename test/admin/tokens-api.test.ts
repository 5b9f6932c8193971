/**
 * /api/admin/tokens and /api/admin/instance-token: every user's API tokens
 * (list, revoke) and the instance token of token mode (created or replaced,
 * shown once; sensitive). Every route keeps the admin-API contract.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/constant-time.js';
import type { AppFixture } from '../support/app-fixture.js';
import { adminRequest, describeAdminRoute, type AdminWorld } from '../support/admin-api.js';
import { ALICE, checkAs, signIn, userPasswordFixture } from '../support/user-password.js';

let bobToken: { id: string; token: string };

async function giveBobAToken(world: AdminWorld): Promise<void> {
  const { token, record } = await world.fx.accounts.tokens.create(world.fx.accounts.users.find('bob')!, { name: 'deploy' }, { name: 'bob' });
  bobToken = { id: record.id, token };
}

describeAdminRoute('GET /api/admin/tokens', {
  method: 'GET',
  url: () => '/api/admin/tokens',
  setup: giveBobAToken,
  success: {
    status: 200,
    check: (res) => {
      expect(res.json()).toEqual({ tokens: [expect.objectContaining({ id: bobToken.id, name: 'deploy', user: 'bob', role: 'editor' })], instanceToken: null });
      expect(res.body).not.toContain('"hash"');
      expect(res.body).not.toContain(bobToken.token.slice(-20));
    },
  },
});

describeAdminRoute('DELETE /api/admin/tokens/:id', {
  method: 'DELETE',
  url: () => `/api/admin/tokens/${bobToken.id}`,
  setup: giveBobAToken,
  success: {
    status: 200,
    audit: { event: 'token.revoke', target: 'bob' },
    check: async (_res, world) => {
      expect(world.fx.accounts.tokens.get(bobToken.id)).toBeUndefined();
      expect((await checkAs(world.fx.app, { authorization: `Bearer ${bobToken.token}` })).statusCode).toBe(401);
    },
  },
});

describeAdminRoute('POST /api/admin/instance-token', {
  method: 'POST',
  url: () => '/api/admin/instance-token',
  body: () => ({}),
  stepUp: true,
  success: {
    status: 201,
    audit: { event: 'token.rotate' },
    check: (res, world) => {
      const { token } = res.json() as { token: string };
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(world.fx.store.current.token?.hash).toBe(sha256Hex(token));
      // Shown once: never in the config, the audit log or a later listing.
      expect(JSON.stringify(world.fx.store.current)).not.toContain(token);
    },
  },
});

describe('instance token', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('makes token mode possible: the preflight allows it, and the token is admin at the check afterwards; a replacement ends the old one', async () => {
    fx = await userPasswordFixture([ALICE]);
    const admin = await signIn(fx.app, ALICE);
    expect((await adminRequest(fx, 'POST', '/api/admin/mode/preflight', { session: admin, body: { mode: 'token' } })).json()).toMatchObject({ allowed: false });
    const first = (await adminRequest(fx, 'POST', '/api/admin/instance-token', { session: admin })).json().token as string;
    expect((await adminRequest(fx, 'GET', '/api/admin/tokens', { session: admin })).json().instanceToken).toEqual({ createdAt: new Date(fx.clock.now).toISOString() });
    const second = (await adminRequest(fx, 'POST', '/api/admin/instance-token', { session: admin })).json().token as string;
    expect(second).not.toBe(first);
    expect((await adminRequest(fx, 'POST', '/api/admin/mode/preflight', { session: admin, body: { mode: 'token' } })).json()).toMatchObject({ allowed: true });
    expect((await adminRequest(fx, 'POST', '/api/admin/mode', { session: admin, body: { mode: 'token' } })).statusCode).toBe(200);
    expect((await checkAs(fx.app, { authorization: `Bearer ${second}` })).statusCode).toBe(200);
    expect((await checkAs(fx.app, { authorization: `Bearer ${first}` })).statusCode).toBe(401);
  });

  it('revoking an unknown token is 404', async () => {
    fx = await userPasswordFixture([ALICE]);
    const admin = await signIn(fx.app, ALICE);
    expect((await adminRequest(fx, 'DELETE', '/api/admin/tokens/0123456789abcdef', { session: admin })).statusCode).toBe(404);
  });
});
