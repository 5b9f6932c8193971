/**
 * /api/admin/rules: read, replace the ordered list (validated as a whole),
 * and "try a request", which must answer exactly as the check does. Every
 * route keeps the admin-API contract.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { adminRequest, describeAdminRoute } from '../support/admin-api.js';
import { ALICE, checkAs, signIn, userPasswordFixture, VICTOR } from '../support/user-password.js';

const PUBLIC_RULE = { name: 'public', domain: 'app.example.com', path: '/public', policy: 'bypass' };

describeAdminRoute('GET /api/admin/rules', {
  method: 'GET',
  url: () => '/api/admin/rules',
  success: {
    status: 200,
    check: (res) => expect(res.json()).toEqual({ rules: [], defaultPolicy: 'one_factor', domains: ['example.com'] }),
  },
});

describeAdminRoute('PUT /api/admin/rules', {
  method: 'PUT',
  url: () => '/api/admin/rules',
  body: () => ({ rules: [PUBLIC_RULE], defaultPolicy: 'two_factor' }),
  stepUp: true,
  success: {
    status: 200,
    audit: { event: 'rules.update' },
    check: async (res, world) => {
      expect(res.json()).toEqual({ rules: [PUBLIC_RULE], defaultPolicy: 'two_factor' });
      expect(world.fx.store.current.rules).toEqual([PUBLIC_RULE]);
      // In force at once: the check lets an anonymous request through.
      expect((await checkAs(world.fx.app, { url: 'https://app.example.com/public/x' })).statusCode).toBe(200);
    },
  },
});

describeAdminRoute('POST /api/admin/rules/try', {
  method: 'POST',
  url: () => '/api/admin/rules/try',
  body: () => ({ url: 'https://app.example.com/private', method: 'POST', user: 'victor' }),
  success: {
    status: 200,
    check: (res) => expect(res.json()).toEqual({ ok: true, decision: 'deny', status: 403, rule: 'defaultPolicy', target: { host: 'app.example.com', path: '/private', method: 'POST' } }),
  },
});

describe('rules: validation and "try a request"', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('an invalid list is refused whole, naming the rule and field; the rules in force stay', async () => {
    fx = await userPasswordFixture([ALICE]);
    const admin = await signIn(fx.app, ALICE);
    expect((await adminRequest(fx, 'PUT', '/api/admin/rules', { session: admin, body: { rules: [PUBLIC_RULE] } })).statusCode).toBe(200);
    for (const [rule, field] of [
      [{ domain: 'Not A Host', policy: 'bypass' }, 'rules.1.domain'],
      [{ domain: 'app.example.com', path: 'no-slash', policy: 'bypass' }, 'rules.1.path'],
      [{ domain: 'app.example.com', policy: 'allow' }, 'rules.1.policy'],
      [{ domain: 'app.example.com', methods: ['get'], policy: 'deny' }, 'rules.1.methods.0'],
      [{ domain: 'app.example.com', networks: ['10.0.0.0/33'], policy: 'deny' }, 'rules.1.networks.0'],
      [{ domain: 'app.example.com', subject: ['root'], policy: 'deny' }, 'rules.1.subject.0'],
      [{ domain: 'app.example.com', policy: 'deny', priority: 1 }, 'rules.1'],
    ] as const) {
      const res = await adminRequest(fx, 'PUT', '/api/admin/rules', { session: admin, body: { rules: [PUBLIC_RULE, rule] } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().message).toContain(field);
    }
    expect(fx.store.current.rules).toEqual([PUBLIC_RULE]);
  });

  it('answers exactly as the check does, for anonymous and signed-in callers, first matching rule first', async () => {
    fx = await userPasswordFixture([ALICE, VICTOR]);
    const admin = await signIn(fx.app, ALICE);
    const victor = await signIn(fx.app, VICTOR);
    const rules = [
      { name: 'closed', domain: 'app.example.com', path: '/public/closed', policy: 'deny' },
      PUBLIC_RULE,
      { domain: '*.example.com', path: '/api', methods: ['POST'], subject: ['role:viewer'], policy: 'one_factor', minRole: 'viewer' },
    ];
    expect((await adminRequest(fx, 'PUT', '/api/admin/rules', { session: admin, body: { rules } })).statusCode).toBe(200);
    const STATUS_AT_CHECK: Record<string, number> = { allow: 200, deny: 403, login: 401 };
    for (const [url, method, user, decision, rule] of [
      ['https://app.example.com/public/page', 'GET', undefined, 'allow', 'rules[1] (public)'],
      ['https://app.example.com/public/closed/x', 'GET', undefined, 'deny', 'rules[0] (closed)'],
      ['https://app.example.com/private', 'GET', undefined, 'login', 'defaultPolicy'],
      ['https://app.example.com/private', 'GET', 'victor', 'allow', 'defaultPolicy'],
      ['https://app.example.com/private', 'POST', 'victor', 'deny', 'defaultPolicy'],
      ['https://app.example.com/api/items', 'POST', 'victor', 'allow', 'rules[2]'],
    ] as const) {
      const tried = await adminRequest(fx, 'POST', '/api/admin/rules/try', { session: admin, body: { url, method, ...(user ? { user } : {}) } });
      expect(tried.statusCode, tried.body).toBe(200);
      expect(tried.json(), `${method} ${url} as ${user ?? 'anonymous'}`).toMatchObject({ decision, rule });
      const checked = await checkAs(fx.app, { url, method, ...(user ? { session: victor } : {}) });
      expect(checked.statusCode, `check: ${method} ${url}`).toBe(STATUS_AT_CHECK[decision]);
    }
  });

  it('names a bad URL, an unknown or disabled user, and a target the check would refuse', async () => {
    fx = await userPasswordFixture([ALICE, VICTOR]);
    const admin = await signIn(fx.app, ALICE);
    await fx.accounts.users.setDisabled('victor', true, { name: 'test' });
    for (const [body, error] of [
      [{ url: 'app.example.com/x' }, 'bad_url'],
      [{ url: 'https://app.example.com/x', user: 'nobody' }, 'no_such_user'],
      [{ url: 'https://app.example.com/x', user: 'victor' }, 'user_disabled'],
      [{ url: 'https://elsewhere.org/x' }, undefined],
      [{ url: 'https://app.example.com/a/../admin' }, undefined],
      [{ url: 'https://app.example.com/x', method: 'get' }, 'invalid_request'],
    ] as const) {
      const res = await adminRequest(fx, 'POST', '/api/admin/rules/try', { session: admin, body });
      expect(res.statusCode, `${JSON.stringify(body)}: ${res.body}`).toBe(400);
      if (error) expect(res.json()).toMatchObject({ error });
    }
  });
});
