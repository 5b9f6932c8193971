/**
 * /api/admin/security and /api/admin/bans: the security settings (2FA for
 * admins, regulation, session timeouts, step-up window; sensitive) and
 * brute-force bans. Every route keeps the admin-API contract.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { adminRequest, describeAdminRoute, type AdminWorld } from '../support/admin-api.js';
import { ALICE, jsonLogin, signIn, userPasswordFixture, VICTOR } from '../support/user-password.js';

const BANNED_IP = '198.51.100.77';

/** Five failures from one address (the default maxRetries) ban it. */
function banAddress(world: Pick<AdminWorld, 'fx'>, ip = BANNED_IP): void {
  for (let i = 0; i < 5; i++) world.fx.accounts.regulator.recordFailure(null, ip);
  expect(world.fx.accounts.regulator.isBanned(null, ip)).toBe(true);
}

describeAdminRoute('GET /api/admin/security', {
  method: 'GET',
  url: () => '/api/admin/security',
  success: {
    status: 200,
    check: (res) =>
      expect(res.json()).toEqual({
        requireTfaForAdmin: false,
        stepUpWindow: '10m',
        regulation: { maxRetries: 5, findTime: '10m', banTime: '15m' },
        session: { ttl: '24h', idle: '2h' },
      }),
  },
});

describeAdminRoute('PUT /api/admin/security', {
  method: 'PUT',
  url: () => '/api/admin/security',
  body: () => ({ requireTfaForAdmin: true, stepUpWindow: '15m', regulation: { maxRetries: 7 }, session: { idle: '1h' } }),
  stepUp: true,
  success: {
    status: 200,
    audit: { event: 'security.update' },
    check: (res, world) => {
      const expected = { requireTfaForAdmin: true, stepUpWindow: '15m', regulation: { maxRetries: 7, findTime: '10m', banTime: '15m' }, session: { ttl: '24h', idle: '1h' } };
      expect(res.json()).toEqual(expected);
      const { security, session } = world.fx.store.current;
      expect({ requireTfaForAdmin: security.requireTfaForAdmin, stepUpWindow: security.stepUpWindow, regulation: security.regulation, session: { ttl: session.ttl, idle: session.idle } }).toEqual(expected);
    },
  },
});

describeAdminRoute('GET /api/admin/bans', {
  method: 'GET',
  url: () => '/api/admin/bans',
  setup: async (world) => banAddress(world),
  success: {
    status: 200,
    check: (res) => expect(res.json().bans).toEqual([{ kind: 'ip', key: BANNED_IP, until: expect.any(String) }]),
  },
});

describeAdminRoute('POST /api/admin/bans/unban', {
  method: 'POST',
  url: () => '/api/admin/bans/unban',
  body: () => ({ subject: BANNED_IP }),
  stepUp: true,
  setup: async (world) => banAddress(world),
  success: {
    status: 200,
    audit: { event: 'regulation.unban', target: BANNED_IP },
    check: (_res, world) => expect(world.fx.accounts.regulator.isBanned(null, BANNED_IP)).toBe(false),
  },
});

describe('security settings and bans: validation and effects', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('refuses malformed durations and out-of-range numbers, changing nothing', async () => {
    fx = await userPasswordFixture([ALICE]);
    const admin = await signIn(fx.app, ALICE);
    const before = structuredClone(fx.store.current.security);
    for (const body of [{ stepUpWindow: '10 minutes' }, { regulation: { maxRetries: 0 } }, { regulation: { banTime: '-1m' } }, { session: { ttl: 24 } }, { requireTfaForAdmin: 'yes' }, { regulation: { lockout: true } }]) {
      const res = await adminRequest(fx, 'PUT', '/api/admin/security', { session: admin, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request' });
    }
    expect(fx.store.current.security).toEqual(before);
  });

  it('a banned account is listed and unbanned by name; then its password works again; an unknown subject is 404', async () => {
    fx = await userPasswordFixture([ALICE, VICTOR]);
    const admin = await signIn(fx.app, ALICE);
    for (let i = 0; i < 5; i++) await jsonLogin(fx.app, VICTOR.username, 'wrong password, again', { ip: `198.51.100.${10 + i}` });
    expect((await jsonLogin(fx.app, VICTOR.username, VICTOR.password, { ip: '198.51.100.50' })).res.statusCode).toBe(401);
    const bans = (await adminRequest(fx, 'GET', '/api/admin/bans', { session: admin })).json().bans as Array<{ kind: string; key: string }>;
    expect(bans).toContainEqual(expect.objectContaining({ kind: 'user', key: 'victor' }));
    expect((await adminRequest(fx, 'POST', '/api/admin/bans/unban', { session: admin, body: { subject: 'Victor' } })).statusCode).toBe(200);
    expect((await jsonLogin(fx.app, VICTOR.username, VICTOR.password, { ip: '198.51.100.50' })).res.statusCode).toBe(200);
    const unknown = await adminRequest(fx, 'POST', '/api/admin/bans/unban', { session: admin, body: { subject: '203.0.113.200' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'not_banned' });
  });
});
