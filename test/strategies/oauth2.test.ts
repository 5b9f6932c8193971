import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../config/schema.js';
import { createStrategy } from '../../strategies/registry.js';
import { OAuth2Strategy, assuranceLevel, claimAt, groupsFrom, plausibleEmail, type GroupMapping } from '../../strategies/oauth2.js';

const ISSUER = 'https://idp.example.com';
const mapping: GroupMapping = { adminGroupClaim: 'groups', adminGroupValues: ['admins'], editorGroupValues: ['editors'], fallbackRole: 'viewer' };
const strategy = (overrides: Partial<GroupMapping> = {}) => new OAuth2Strategy({ ...mapping, ...overrides });

describe('OAuth2Strategy: claims → principal', () => {
  it('identity is issuer + sub, never the email; username is preferred_username, else sub', () => {
    const mapped = strategy().principalFor(ISSUER, { sub: 's-1', preferred_username: 'ann', email: 'ann@example.com', groups: ['admins'] });
    expect(mapped.ok && mapped.principal.id).toBe(`oidc:${ISSUER}|s-1`);
    expect(mapped.ok && mapped.principal.username).toBe('ann');
    const bare = strategy().principalFor(ISSUER, { sub: 's-2' });
    expect(bare.ok && bare.principal.username).toBe('s-2');
  });

  it('admin beats editor beats fallback; the role leads the groups', () => {
    const s = strategy();
    const admin = s.principalFor(ISSUER, { sub: 'a', groups: ['editors', 'admins', 'x'] });
    expect(admin.ok && admin.principal.role).toBe('admin');
    expect(admin.ok && admin.principal.groups).toEqual(['admin', 'editors', 'admins', 'x']);
    const editor = s.principalFor(ISSUER, { sub: 'e', groups: ['editors'] });
    expect(editor.ok && editor.principal.role).toBe('editor');
    const viewer = s.principalFor(ISSUER, { sub: 'v', groups: ['nobody'] });
    expect(viewer.ok && viewer.principal.role).toBe('viewer');
  });

  it('fallbackRole deny refuses users with no matching group; editor/admin fallbacks apply as set', () => {
    expect(strategy({ fallbackRole: 'deny' }).principalFor(ISSUER, { sub: 'v', groups: ['x'] })).toEqual({ ok: false, reason: 'no_matching_group', groups: ['x'] });
    const editor = strategy({ fallbackRole: 'editor' }).principalFor(ISSUER, { sub: 'v' });
    expect(editor.ok && editor.principal.role).toBe('editor');
  });

  it('a missing sub is refused', () => {
    expect(strategy().principalFor(ISSUER, { groups: ['admins'] })).toMatchObject({ ok: false, reason: 'missing_sub' });
  });

  it('reads a nested claim by dotted path (Keycloak realm_access.roles) and a single-string claim', () => {
    const s = strategy({ adminGroupClaim: 'realm_access.roles' });
    const mapped = s.principalFor(ISSUER, { sub: 'k', realm_access: { roles: ['admins', 'offline_access'] } });
    expect(mapped.ok && mapped.principal.role).toBe('admin');
    expect(claimAt({ 'a.b': 1, a: { b: 2 } }, 'a.b')).toBe(1);
    expect(groupsFrom('admins')).toEqual(['admins']);
    expect(groupsFrom([1, '', 'a', 'a', null])).toEqual(['a']);
  });

  it('amr always has sso first, then the provider methods; acr maps MFA to aal2', () => {
    const mfa = strategy().principalFor(ISSUER, { sub: 'm', amr: ['pwd', 'otp'], acr: '1' });
    expect(mfa.ok && mfa.principal.amr).toEqual(['sso', 'pwd', 'otp']);
    expect(mfa.ok && mfa.principal.acr).toBe('aal2');
    const single = strategy().principalFor(ISSUER, { sub: 's', amr: ['pwd'] });
    expect(single.ok && single.principal.acr).toBe('aal1');
    expect(assuranceLevel('http://schemas.openid.net/pape/policies/2007/06/multi-factor', [])).toBe('aal2');
    expect(assuranceLevel(undefined, ['mfa'])).toBe('aal2');
    expect(assuranceLevel('0', ['pwd', 'kba'])).toBe('aal1');
  });

  it('drops implausible or unverified emails', () => {
    expect(plausibleEmail('ann@example.com', true)).toBe('ann@example.com');
    expect(plausibleEmail('ann@example.com', undefined)).toBe('ann@example.com');
    for (const bad of ['a@b@example.com', 'ann', '@example.com', 'ann@', 'ann@localhost', 'a nn@example.com', 'ann@example.com\r\n', 'ann@.example.com']) {
      expect(plausibleEmail(bad, true), bad).toBeUndefined();
    }
    expect(plausibleEmail('ann@example.com', false)).toBeUndefined();
  });

  it('on the check: sessions pass, Basic and unknown Bearer tokens are refused, Gatehouse API tokens work', () => {
    const s = strategy();
    const context = { clientIp: '203.0.113.7', host: 'app.example.com' };
    expect(s.authenticate({ kind: 'none' }, context)).toEqual({ outcome: 'anonymous' });
    expect(s.authenticate({ kind: 'bearer', token: 'x' }, context)).toMatchObject({ outcome: 'rejected', challenge: 'bearer' });
    expect(s.authenticate({ kind: 'basic', username: 'a', password: 'b' }, context)).toMatchObject({ outcome: 'rejected', challenge: 'basic' });
    const principal = { id: 'token:1', username: 'ci', role: 'viewer', groups: ['viewer'], amr: ['tok'], acr: 'aal1' } as const;
    const withTokens = new OAuth2Strategy(mapping, { checkApiToken: (token, host) => (token === 'gh_good' && host === 'app.example.com' ? principal : null) });
    expect(withTokens.authenticate({ kind: 'bearer', token: 'gh_good' }, context)).toEqual({ outcome: 'authenticated', principal });
    expect(withTokens.authenticate({ kind: 'bearer', token: 'gh_bad' }, context)).toMatchObject({ outcome: 'rejected' });
  });

  it('the registry builds it for oauth2 mode', () => {
    const config = ConfigSchema.parse({ version: 1, mode: 'oauth2', domains: ['example.com'], oauth2: { issuerUrl: ISSUER, clientId: 'gh' } });
    expect(createStrategy(config)).toBeInstanceOf(OAuth2Strategy);
  });

  it('the schema refuses a plain-http issuer except on loopback', () => {
    const parse = (issuerUrl: string) => ConfigSchema.safeParse({ version: 1, mode: 'oauth2', domains: ['example.com'], oauth2: { issuerUrl, clientId: 'gh' } }).success;
    expect(parse('http://idp.example.com')).toBe(false);
    expect(parse('http://127.0.0.1:8080')).toBe(true);
    expect(parse('http://localhost:8080/realms/x')).toBe(true);
  });
});
