/**
 * /api/admin/mode: what is in force and what each mode means, a preflight
 * that changes nothing, the switch (sensitive: step-up) and its confirmation.
 * Every route keeps the admin-API contract; the whole commit-confirm flow and
 * the rollback are in mode-switch.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { adminRequest, adminWorld, describeAdminRoute, type AdminWorld } from '../support/admin-api.js';
import { enrolTotp, userNamed } from '../support/mfa.js';
import { ALICE, BOB, readAuditFile, signIn, userPasswordFixture, VICTOR } from '../support/user-password.js';

describeAdminRoute('GET /api/admin/mode', {
  method: 'GET',
  url: () => '/api/admin/mode',
  success: {
    status: 200,
    check: (res) => {
      const body = res.json();
      expect(body).toMatchObject({ mode: 'userPassword', pending: null });
      expect(Object.keys(body.modes)).toEqual(['open', 'token', 'userPassword', 'oauth2']);
      expect(body.modes.open).toMatch(/everyone/);
    },
  },
});

describeAdminRoute('POST /api/admin/mode/preflight', {
  method: 'POST',
  url: () => '/api/admin/mode/preflight',
  body: () => ({ mode: 'token' }),
  success: {
    status: 200,
    check: (res, world) => {
      expect(res.json()).toMatchObject({ allowed: false, problems: [expect.stringMatching(/instance token/)] });
      expect(res.json().effects.join(' ')).toMatch(/confirm the switch within 5 minutes/);
      expect(world.fx.store.current.mode).toBe('userPassword');
    },
  },
});

describeAdminRoute('POST /api/admin/mode', {
  method: 'POST',
  url: () => '/api/admin/mode',
  body: () => ({ mode: 'open', confirmation: 'open' }),
  stepUp: true,
  success: {
    status: 200,
    audit: { event: 'mode.switch' },
    check: (res, world) => {
      expect(res.json().pending).toMatchObject({ from: 'userPassword', to: 'open', by: 'alice' });
      expect(Date.parse(res.json().pending.deadline) - world.fx.clock.now).toBe(5 * 60_000);
      expect(world.fx.store.current.mode).toBe('open');
    },
  },
});

describeAdminRoute('POST /api/admin/mode/confirm', {
  method: 'POST',
  url: () => '/api/admin/mode/confirm',
  body: () => ({}),
  // A switch away and back, still pending: it is confirmed from a session of the mode now in force.
  setup: async (world) => {
    await world.fx.modeSwitcher.switchTo('open', 'alice', 'open');
    await world.fx.modeSwitcher.switchTo('userPassword', 'alice');
    world.admin = await world.freshAdmin();
    world.editor = await signIn(world.fx.app, BOB);
    world.viewer = await signIn(world.fx.app, VICTOR);
  },
  success: {
    status: 200,
    audit: { event: 'mode.confirm' },
    check: (res, world) => {
      expect(res.json()).toEqual({ ok: true, mode: 'userPassword' });
      expect(world.fx.modeSwitcher.pending()).toBeNull();
    },
  },
});

describe('mode switch: refusals', () => {
  let world: AdminWorld;
  afterEach(() => world?.fx.close());

  it('a switch that would lock the admin out is 409 with the problems, changes nothing and audits no switch', async () => {
    world = await adminWorld();
    const before = (await readAuditFile(world.fx.dataDir)).events.length;
    for (const [body, problem] of [
      [{ mode: 'token' }, /instance token/],
      [{ mode: 'open' }, /type "open"/],
      [{ mode: 'open', confirmation: 'yes' }, /type "open"/],
      [{ mode: 'oauth2' }, /OIDC provider/],
      [{ mode: 'userPassword' }, /already in userPassword/],
    ] as const) {
      const res = await adminRequest(world.fx, 'POST', '/api/admin/mode', { session: world.admin, body });
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json()).toMatchObject({ error: 'switch_refused' });
      expect(res.json().problems.join(' ')).toMatch(problem);
    }
    expect(world.fx.store.current.mode).toBe('userPassword');
    expect((await readAuditFile(world.fx.dataDir)).events.slice(before).map((e) => e.event)).not.toContain('mode.switch');
  });

  it('requireTfaForAdmin: userPassword needs an admin with a second factor first', async () => {
    const fx = await userPasswordFixture([ALICE], { mode: 'open', security: { requireTfaForAdmin: true } });
    try {
      const refused = await adminRequest(fx, 'POST', '/api/admin/mode/preflight', { body: { mode: 'userPassword' } });
      expect(refused.json()).toMatchObject({ allowed: false, problems: [expect.stringMatching(/requireTfaForAdmin/)] });
      await enrolTotp(fx, userNamed(fx, ALICE.username));
      const ok = await adminRequest(fx, 'POST', '/api/admin/mode/preflight', { body: { mode: 'userPassword' } });
      expect(ok.json()).toMatchObject({ allowed: true, problems: [] });
    } finally {
      await fx.close();
    }
  });

  it('confirm with nothing pending is 409 nothing_pending', async () => {
    world = await adminWorld();
    const res = await adminRequest(world.fx, 'POST', '/api/admin/mode/confirm', { session: world.admin });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'nothing_pending' });
  });

  it('a switch to token mode cannot be confirmed from the old mode: its sessions ended with the switch', async () => {
    world = await adminWorld();
    await world.fx.store.update((config) => ({ ...config, token: { hash: 'a'.repeat(64) } }));
    const switched = await adminRequest(world.fx, 'POST', '/api/admin/mode', { session: world.admin, body: { mode: 'token' } });
    expect(switched.statusCode, switched.body).toBe(200);
    const confirm = await adminRequest(world.fx, 'POST', '/api/admin/mode/confirm', { session: world.admin });
    expect(confirm.statusCode).toBe(401);
    expect(world.fx.modeSwitcher.pending()).toMatchObject({ from: 'userPassword', to: 'token' });
  });
});
