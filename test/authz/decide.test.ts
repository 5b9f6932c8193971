import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../src/crypto/random.js';
import { ConfigSchema } from '../../config/schema.js';
import { createAppContext, type AppDeps } from '../../src/app-context.js';
import { decide, type DecideContext } from '../../src/authz/decide.js';
import { buildRuntime } from '../../src/runtime.js';
import type { AuthResult, Principal, Role } from '../../strategies/types.js';
import { principal, targetFor } from '../support/targets.js';

/** The DecideContext the app would build for these rules, with the portal at auth.example.com. */
function contextFor(ruleList: unknown[], defaultPolicy: 'bypass' | 'deny' | 'one_factor' | 'two_factor' = 'one_factor'): DecideContext {
  const config = ConfigSchema.parse({ version: 1, mode: 'open', domains: ['example.com', 'example.org'], rules: ruleList, defaultPolicy });
  const rt = buildRuntime(config, { portalUrl: 'https://auth.example.com' });
  // Only the runtime matters to decideContext; the rest is the minimum createAppContext touches.
  const deps = { runtime: () => rt, oidc: {}, audit: { onRecord: () => undefined }, env: { sessionSecret: undefined }, log: pino({ level: 'silent' }), now: () => 0, random: systemRandom };
  return createAppContext(deps as unknown as AppDeps).decideContext(rt);
}

const anonymous: AuthResult = { outcome: 'anonymous' };
const as = (p: Principal): AuthResult => ({ outcome: 'authenticated', principal: p });

describe('decide: policies', () => {
  const ctx = contextFor([
    { domain: '*.example.com', path: '/public', policy: 'bypass' },
    { domain: '*.example.com', path: '/blocked', policy: 'deny' },
    { domain: '*.example.com', path: '/secure', policy: 'two_factor' },
    { domain: '*.example.com', path: '/app', policy: 'one_factor' },
  ]);

  it('bypass allows anonymous requests without a principal', () => {
    expect(decide(targetFor('https://a.example.com/public/x'), anonymous, ctx)).toEqual({ kind: 'allow', principal: null, rule: 'rules[0]' });
  });

  it('bypass passes the identity on when there is one', () => {
    const admin = principal('admin');
    expect(decide(targetFor('https://a.example.com/public'), as(admin), ctx)).toMatchObject({ kind: 'allow', principal: admin });
  });

  it('deny refuses everyone, admins included, with 403', () => {
    for (const auth of [anonymous, as(principal('admin'))]) {
      expect(decide(targetFor('https://a.example.com/blocked'), auth, ctx)).toEqual({ kind: 'deny', status: 403, code: 'denied_by_rule', rule: 'rules[1]' });
    }
  });

  it('one_factor sends anonymous requests to log in and allows any authenticated one', () => {
    expect(decide(targetFor('https://a.example.com/app'), anonymous, ctx)).toEqual({ kind: 'login', rule: 'rules[3]' });
    expect(decide(targetFor('https://a.example.com/app'), as(principal('admin', { acr: 'aal1' })), ctx).kind).toBe('allow');
  });

  it('two_factor: anonymous → login, aal1 → stepUp, aal2 → allow', () => {
    const target = targetFor('https://a.example.com/secure');
    expect(decide(target, anonymous, ctx).kind).toBe('login');
    expect(decide(target, as(principal('admin', { acr: 'aal1' })), ctx)).toEqual({ kind: 'stepUp', factor: 'second_factor', rule: 'rules[2]' });
    expect(decide(target, as(principal('admin', { acr: 'aal2' })), ctx).kind).toBe('allow');
  });

  it('a rejected credential is a 401 with its challenge, even on a bypass path', () => {
    const rejected: AuthResult = { outcome: 'rejected', challenge: 'basic', code: 'invalid_token' };
    expect(decide(targetFor('https://a.example.com/public'), rejected, ctx)).toEqual({ kind: 'deny', status: 401, code: 'invalid_token', rule: 'credentials', challenge: 'basic' });
  });

  it('applies the default policy when no rule matches', () => {
    expect(decide(targetFor('https://a.example.com/elsewhere'), anonymous, ctx)).toEqual({ kind: 'login', rule: 'defaultPolicy' });
    expect(decide(targetFor('https://a.example.com/elsewhere'), anonymous, contextFor([], 'deny'))).toMatchObject({ kind: 'deny', status: 403 });
    expect(decide(targetFor('https://a.example.com/elsewhere'), anonymous, contextFor([], 'bypass'))).toMatchObject({ kind: 'allow', principal: null });
    expect(decide(targetFor('https://a.example.com/elsewhere'), as(principal('admin', { acr: 'aal1' })), contextFor([], 'two_factor')).kind).toBe('stepUp');
  });

  it('an anonymous request at a subject rule is sent to log in, not through a later bypass', () => {
    const subjectFirst = contextFor([
      { domain: '*.example.com', path: '/admin', subject: ['group:admins'], policy: 'one_factor' },
      { domain: '*.example.com', policy: 'bypass' },
    ]);
    expect(decide(targetFor('https://a.example.com/admin/x'), anonymous, subjectFirst)).toEqual({ kind: 'login', rule: 'rules[0]' });
    // Someone who is not in the group does fall through to the later rule.
    expect(decide(targetFor('https://a.example.com/admin/x'), as(principal('viewer')), subjectFirst)).toMatchObject({ kind: 'allow', rule: 'rules[1]' });
  });
});

describe('decide: the default role matrix', () => {
  const ctx = contextFor([]);
  const app = 'https://app.example.com/things';
  const adminRoutes = ['https://auth.example.com/settings', 'https://auth.example.com/settings/users', 'https://auth.example.com/api/admin/mode'];
  const verdict = (role: Role, url: string, method: string) => decide(targetFor(url, method), as(principal(role)), ctx).kind;

  it('viewer: safe methods only, and not Gatehouse admin routes', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) expect(verdict('viewer', app, method)).toBe('allow');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(verdict('viewer', app, method)).toBe('deny');
    for (const url of adminRoutes) expect(verdict('viewer', url, 'GET')).toBe('deny');
  });

  it('editor: every method, but not Gatehouse admin routes', () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) expect(verdict('editor', app, method)).toBe('allow');
    for (const url of adminRoutes) {
      expect(verdict('editor', url, 'GET')).toBe('deny');
      expect(verdict('editor', url, 'POST')).toBe('deny');
    }
    expect(decide(targetFor(adminRoutes[0]!), as(principal('editor')), ctx)).toMatchObject({ status: 403, code: 'role_forbidden' });
  });

  it('admin routes are only Gatehouse own paths, on segment boundaries, on the portal host', () => {
    expect(verdict('editor', 'https://auth.example.com/settingsx', 'POST')).toBe('allow');
    expect(verdict('editor', 'https://auth.example.com/api/administrator', 'POST')).toBe('allow');
    expect(verdict('editor', 'https://app.example.com/settings', 'POST')).toBe('allow');
  });

  it('admin: everything', () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      expect(verdict('admin', app, method)).toBe('allow');
      for (const url of adminRoutes) expect(verdict('admin', url, method)).toBe('allow');
    }
  });
});

describe('decide: minRole', () => {
  const ctx = contextFor([
    { domain: '*.example.com', path: '/edit', policy: 'one_factor', minRole: 'editor' },
    { domain: '*.example.com', path: '/view', policy: 'one_factor', minRole: 'viewer' },
    { domain: '*.example.com', path: '/root', policy: 'one_factor', minRole: 'admin' },
  ]);
  const verdict = (role: Role, path: string, method = 'GET') => decide(targetFor(`https://app.example.com${path}`, method), as(principal(role)), ctx);

  it('requires at least the given role', () => {
    expect(verdict('viewer', '/edit')).toMatchObject({ kind: 'deny', status: 403, code: 'role_forbidden', rule: 'rules[0]' });
    expect(verdict('editor', '/edit').kind).toBe('allow');
    expect(verdict('admin', '/edit').kind).toBe('allow');
    expect(verdict('editor', '/root').kind).toBe('deny');
    expect(verdict('admin', '/root', 'DELETE').kind).toBe('allow');
  });

  it('replaces the default matrix: minRole viewer lets a viewer write there', () => {
    expect(verdict('viewer', '/view', 'POST').kind).toBe('allow');
  });

  it('does not let anonymous requests in', () => {
    expect(decide(targetFor('https://app.example.com/view'), anonymous, ctx).kind).toBe('login');
  });
});
