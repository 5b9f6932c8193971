/**
 * Many apps route paths without regard to case (`/ADMIN` reaches `/admin`). A
 * restrictive rule (deny, two_factor, subject, minRole) therefore also matches case
 * variants of its path, while a bypass rule matches exactly: case never widens access.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../src/authz/rules.js';
import { createAppFixture, forwardAuthHeaders, type AppFixture } from '../support/app-fixture.js';
import { principal, rules, targetFor } from '../support/targets.js';

const DENY_ADMIN = { name: 'no admin area', domain: 'app.example.com', path: '/admin', policy: 'deny' as const };

describe('case-variant-path-bypass', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  async function check(url: string) {
    return fx.app.inject({ method: 'GET', url: '/api/authz/forward-auth', headers: forwardAuthHeaders(url) });
  }

  it('a deny rule on /admin also refuses /ADMIN, /Admin/ and /aDmIn/x', async () => {
    fx = await createAppFixture({ rules: [DENY_ADMIN], defaultPolicy: 'bypass' });
    for (const path of ['/admin', '/ADMIN', '/Admin/', '/aDmIn/x', '/%41dmin']) {
      expect((await check(`https://app.example.com${path}`)).statusCode, path).toBe(403);
    }
    // Still on segment boundaries, and other paths are untouched.
    expect((await check('https://app.example.com/ADMINISTRATION')).statusCode).toBe(200);
    expect((await check('https://app.example.com/docs')).statusCode).toBe(200);
  });

  it('mixed case with a trailing dot in the host does not slip past the deny rule', async () => {
    fx = await createAppFixture({ rules: [DENY_ADMIN], defaultPolicy: 'bypass' });
    expect((await check('https://APP.Example.COM./Admin/panel')).statusCode).toBe(403);
  });

  it('percent-encoded forms refused before stay refused in any case', async () => {
    fx = await createAppFixture({ rules: [DENY_ADMIN], defaultPolicy: 'bypass' });
    for (const path of ['/ADMIN%2Fx', '/Admin%5Cx', '/Admin%00']) {
      expect((await check(`https://app.example.com${path}`)).statusCode, path).toBe(400);
    }
  });

  it('a bypass rule matches exactly: /PUBLIC falls to the default policy', () => {
    const policy = new AccessPolicy(rules({ domain: 'app.example.com', path: '/public', policy: 'bypass' }), 'deny');
    expect(policy.match(targetFor('https://app.example.com/public/x'), null)).toMatchObject({ kind: 'rule' });
    expect(policy.match(targetFor('https://app.example.com/PUBLIC/x'), null)).toEqual({ kind: 'default', policy: 'deny' });
    expect(policy.match(targetFor('https://app.example.com/Public'), null)).toEqual({ kind: 'default', policy: 'deny' });
  });

  it('two_factor, subject and minRole rules match case variants; one_factor does not widen either way', () => {
    const policy = new AccessPolicy(
      rules(
        { domain: 'app.example.com', path: '/billing', policy: 'two_factor' },
        { domain: 'app.example.com', path: '/ops', subject: ['role:admin'], policy: 'one_factor' },
        { domain: 'app.example.com', path: '/edit', minRole: 'editor', policy: 'one_factor' },
        { domain: 'app.example.com', path: '^/Reports/[0-9]+$', policy: 'deny' },
      ),
      'one_factor',
    );
    const admin = principal('admin');
    expect(policy.match(targetFor('https://app.example.com/BILLING/x'), admin)).toMatchObject({ kind: 'rule', rule: { index: 0 } });
    expect(policy.match(targetFor('https://app.example.com/Ops'), admin)).toMatchObject({ kind: 'rule', rule: { index: 1 } });
    expect(policy.match(targetFor('https://app.example.com/EDIT/1'), admin)).toMatchObject({ kind: 'rule', rule: { index: 2 } });
    expect(policy.match(targetFor('https://app.example.com/reports/12'), admin)).toMatchObject({ kind: 'rule', rule: { index: 3 } });
  });

  it('"try a request" shows that the deny rule applied to a case variant', async () => {
    fx = await createAppFixture({ rules: [DENY_ADMIN], defaultPolicy: 'bypass' });
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/admin/rules/try',
      headers: { 'content-type': 'application/json', origin: 'https://auth.example.com' },
      payload: { url: 'https://app.example.com/ADMIN', method: 'GET' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ decision: 'deny', status: 403, rule: 'rules[0] (no admin area)' });
    expect(res.json().note).toMatch(/any letter case/);
    const exact = await fx.app.inject({
      method: 'POST',
      url: '/api/admin/rules/try',
      headers: { 'content-type': 'application/json', origin: 'https://auth.example.com' },
      payload: { url: 'https://app.example.com/admin', method: 'GET' },
    });
    expect(exact.json().note).toBeUndefined();
  });
});
