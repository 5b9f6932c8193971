/**
 * /api/admin/users/:name/{mfa,reset-2fa,require-2fa}: an admin sees a user's
 * second factors, wipes them (audited with the admin's identity) and requires
 * 2FA. Every route keeps the admin-API contract.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { adminRequest, describeAdminRoute } from '../support/admin-api.js';
import { enrolTotp, userNamed } from '../support/mfa.js';
import { ALICE, BOB, signIn, userPasswordFixture } from '../support/user-password.js';

describeAdminRoute('GET /api/admin/users/:name/mfa', {
  method: 'GET',
  url: () => '/api/admin/users/alice/mfa',
  success: {
    status: 200,
    check: (res) => {
      expect(res.json()).toMatchObject({ user: 'alice', requires2fa: false, totpEnrolled: true, methods: ['otp'], recoveryCodesLeft: 10 });
      expect(res.body).not.toMatch(/secret/i);
    },
  },
});

describeAdminRoute('POST /api/admin/users/:name/reset-2fa', {
  method: 'POST',
  url: () => '/api/admin/users/bob/reset-2fa',
  body: () => ({}),
  stepUp: true,
  setup: async (world) => {
    await enrolTotp(world.fx, userNamed(world.fx, 'bob'));
  },
  success: {
    status: 200,
    audit: { event: 'mfa.reset', target: 'bob' },
    check: (res, world) => {
      expect(res.json()).toMatchObject({ ok: true });
      expect(world.fx.accounts.mfa.hasSecondFactor(userNamed(world.fx, 'bob').id)).toBe(false);
    },
  },
});

describeAdminRoute('PUT /api/admin/users/:name/require-2fa', {
  method: 'PUT',
  url: () => '/api/admin/users/bob/require-2fa',
  body: () => ({ required: true }),
  stepUp: true,
  success: {
    status: 200,
    audit: { event: 'user.require-2fa', target: 'bob' },
    check: (res, world) => {
      expect(res.json()).toMatchObject({ ok: true, requires2fa: true });
      expect(userNamed(world.fx, 'bob').requires2fa).toBe(true);
    },
  },
});

describe('admin 2FA routes: validation and errors', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('an unknown user is 404; "required" must be a boolean', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const admin = await signIn(fx.app, ALICE);
    expect((await adminRequest(fx, 'GET', '/api/admin/users/nobody/mfa', { session: admin })).statusCode).toBe(404);
    expect((await adminRequest(fx, 'POST', '/api/admin/users/nobody/reset-2fa', { session: admin })).statusCode).toBe(404);
    expect((await adminRequest(fx, 'PUT', '/api/admin/users/nobody/require-2fa', { session: admin, body: { required: true } })).statusCode).toBe(404);
    for (const body of [{}, { required: 'yes' }, { required: 1 }]) {
      const res = await adminRequest(fx, 'PUT', '/api/admin/users/bob/require-2fa', { session: admin, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request' });
    }
    expect(userNamed(fx, 'bob').requires2fa).toBe(false);
  });
});
