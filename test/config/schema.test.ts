import { describe, expect, it } from 'vitest';
import { ConfigSchema, DEFAULT_TRUSTED_PROXIES, formatIssues, RuleSchema } from '../../config/schema.js';
import { firstRunConfig, defaultDomainFor } from '../../config/defaults.js';

function problems(input: unknown): string[] {
  const result = ConfigSchema.safeParse(input);
  return result.success ? [] : formatIssues(result.error);
}

describe('config schema: defaults', () => {
  it('fills in every default from a minimal document', () => {
    const config = ConfigSchema.parse({ version: 1, mode: 'open' });
    expect(config).toMatchObject({
      version: 1,
      mode: 'open',
      domains: [],
      trustedProxies: DEFAULT_TRUSTED_PROXIES,
      allowHttp: false,
      session: { ttl: '24h', idle: '2h' },
      defaultPolicy: 'one_factor',
      rules: [],
      security: { requireTfaForAdmin: false, stepUpWindow: '10m', regulation: { maxRetries: 5, findTime: '10m', banTime: '15m' }, bcryptCost: 12 },
      passkeys: { rpName: 'Gatehouse' },
    });
    expect(config.token).toBeUndefined();
    expect(config.portalUrl).toBeUndefined();
  });

  it('fills oauth2 defaults when the block is present', () => {
    const config = ConfigSchema.parse({ version: 1, mode: 'oauth2', oauth2: { issuerUrl: 'https://idp.example.com', clientId: 'gh' } });
    if (config.mode !== 'oauth2') throw new Error('unreachable');
    expect(config.oauth2).toMatchObject({ scopes: ['openid', 'profile', 'email'], adminGroupClaim: 'groups', fallbackRole: 'viewer', allowLocalAdmins: true });
  });

  it('keeps explicit values over defaults', () => {
    const config = ConfigSchema.parse({ version: 1, mode: 'open', session: { ttl: '1h' }, security: { regulation: { maxRetries: 3 } } });
    expect(config.session).toEqual({ ttl: '1h', idle: '2h' });
    expect(config.security.regulation).toEqual({ maxRetries: 3, findTime: '10m', banTime: '15m' });
  });

  it('the first-run document is valid open mode protecting the portal parent domain', () => {
    const config = ConfigSchema.parse(firstRunConfig('https://auth.example.com'));
    expect(config.mode).toBe('open');
    expect(config.domains).toEqual(['example.com']);
    expect(config.allowHttp).toBe(false);
    expect(ConfigSchema.parse(firstRunConfig(undefined))).toMatchObject({ domains: ['localhost'], allowHttp: true });
    expect(defaultDomainFor('http://192.168.1.10:9092')).toBe('192.168.1.10');
  });
});

describe('config schema: mode is a discriminated union', () => {
  it('an oauth2 config without its oauth2 block fails with the field path', () => {
    expect(problems({ version: 1, mode: 'oauth2', domains: ['example.com'] })).toEqual([expect.stringMatching(/^oauth2: /)]);
  });

  it('an incomplete oauth2 block names the missing field', () => {
    const found = problems({ version: 1, mode: 'oauth2', oauth2: { issuerUrl: 'https://idp.example.com' } });
    expect(found).toEqual([expect.stringMatching(/^oauth2\.clientId: /)]);
    expect(problems({ version: 1, mode: 'oauth2', oauth2: { issuerUrl: 'not a url', clientId: 'x' } })).toEqual([expect.stringMatching(/^oauth2\.issuerUrl: /)]);
    expect(problems({ version: 1, mode: 'oauth2', oauth2: { issuerUrl: 'https://u:p@idp.example.com', clientId: 'x' } })).toEqual([expect.stringMatching(/^oauth2\.issuerUrl: /)]);
  });

  it('an unknown mode is refused, naming the valid ones', () => {
    expect(problems({ version: 1, mode: 'ldap' })).toEqual([expect.stringMatching(/^mode: .*open.*token.*userPassword.*oauth2/)]);
    expect(problems({ version: 1 })[0]).toMatch(/^mode: /);
  });

  it('other modes do not need an oauth2 block', () => {
    for (const mode of ['open', 'token', 'userPassword']) expect(problems({ version: 1, mode })).toEqual([]);
  });
});

describe('config schema: strictness', () => {
  it('rejects unknown fields at the top level and in nested objects', () => {
    expect(problems({ version: 1, mode: 'open', extra: true })).toEqual([expect.stringContaining('extra')]);
    expect(problems({ version: 1, mode: 'open', session: { ttl: '1h', tll: '2h' } })).toEqual([expect.stringMatching(/^session: .*tll/)]);
    expect(problems({ version: 1, mode: 'open', rules: [{ domain: 'a.example.com', policy: 'bypass', polcy: 'deny' }] })).toEqual([expect.stringMatching(/^rules\.0: .*polcy/)]);
  });

  it('names the path of each bad field, all at once', () => {
    const found = problems({
      version: 1,
      mode: 'token',
      domains: ['Example.com'],
      trustedProxies: ['10.0.0.0/33'],
      session: { ttl: '1 day' },
      token: { hash: 'abc' },
      rules: [{ domain: 'x.example.com', path: 'no-slash', policy: 'allow' }],
    });
    const paths = found.map((p) => p.split(':')[0]);
    expect(paths).toEqual(expect.arrayContaining(['domains.0', 'trustedProxies.0', 'session.ttl', 'token.hash', 'rules.0.path', 'rules.0.policy']));
  });

  it('refuses a version it does not know', () => {
    expect(problems({ version: 2, mode: 'open' })[0]).toMatch(/^version: /);
  });
});

describe('rule schema', () => {
  it('accepts the documented rule shape', () => {
    expect(RuleSchema.parse({ domain: '*.example.com', path: '/api', methods: ['GET'], networks: ['192.168.0.0/16'], subject: ['role:viewer'], policy: 'bypass' })).toBeTruthy();
  });

  it('refuses malformed pieces', () => {
    const bad = [
      { domain: '*.example.com', path: '^(unclosed', policy: 'bypass' },
      { domain: '*.*.example.com', policy: 'bypass' },
      { domain: 'example.com', methods: ['get'], policy: 'bypass' },
      { domain: 'example.com', networks: ['10.0.0.0/8/8'], policy: 'bypass' },
      { domain: 'example.com', subject: ['role:root'], policy: 'bypass' },
      { domain: 'example.com', subject: ['alice'], policy: 'bypass' },
      { domain: 'example.com', policy: 'one_factor', minRole: 'owner' },
      { domain: [], policy: 'bypass' },
    ];
    for (const rule of bad) expect(RuleSchema.safeParse(rule).success, JSON.stringify(rule)).toBe(false);
  });
});
