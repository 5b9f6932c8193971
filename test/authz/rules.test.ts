import { describe, expect, it } from 'vitest';
import { AccessPolicy, compileRule, type RuleMatch } from '../../src/authz/rules.js';
import { principal, rules, targetFor } from '../support/targets.js';

function matchOf(policy: AccessPolicy, url: string, options: { method?: string; ip?: string; who?: ReturnType<typeof principal> | null } = {}): RuleMatch {
  return policy.match(targetFor(url, options.method ?? 'GET', options.ip ?? '203.0.113.7'), options.who === undefined ? principal('admin') : options.who);
}

/** Index of the matched rule, or 'default' / 'needsIdentity'. */
function matched(policy: AccessPolicy, url: string, options: Parameters<typeof matchOf>[2] = {}): number | 'default' | string {
  const match = matchOf(policy, url, options);
  if (match.kind === 'default') return 'default';
  if (match.kind === 'needsIdentity') return `needsIdentity:${match.rule.index}`;
  return match.rule.index;
}

describe('rule matching: domains', () => {
  it('an exact domain matches only that host', () => {
    const policy = new AccessPolicy(rules({ domain: 'app.example.com', policy: 'bypass' }), 'deny');
    expect(matched(policy, 'https://app.example.com/')).toBe(0);
    expect(matched(policy, 'https://APP.example.com./x')).toBe(0);
    expect(matched(policy, 'https://other.example.com/')).toBe('default');
    expect(matched(policy, 'https://example.com/')).toBe('default');
    expect(matched(policy, 'https://x.app.example.com/')).toBe('default');
  });

  it('a *. wildcard matches subdomains at any depth but not the bare domain', () => {
    const policy = new AccessPolicy(rules({ domain: '*.example.com', policy: 'bypass' }), 'deny');
    expect(matched(policy, 'https://a.example.com/')).toBe(0);
    expect(matched(policy, 'https://a.b.example.com/')).toBe(0);
    expect(matched(policy, 'https://example.com/')).toBe('default');
    expect(matched(policy, 'https://a.example.org/')).toBe('default');
  });

  it('a wildcard never matches a host that merely ends with the same letters', () => {
    const rule = compileRule(rules({ domain: '*.example.com', policy: 'bypass' })[0]!, 0);
    expect(rule.matchesHost('evil-example.com')).toBe(false);
    expect(rule.matchesHost('notexample.com')).toBe(false);
    expect(rule.matchesHost('example.com.evil.com')).toBe(false);
  });

  it('a list of domains matches any of them', () => {
    const policy = new AccessPolicy(rules({ domain: ['a.example.com', '*.example.org'], policy: 'bypass' }), 'deny');
    expect(matched(policy, 'https://a.example.com/')).toBe(0);
    expect(matched(policy, 'https://x.example.org/')).toBe(0);
    expect(matched(policy, 'https://b.example.com/')).toBe('default');
  });
});

describe('rule matching: paths', () => {
  const policy = new AccessPolicy(rules({ domain: '*.example.com', path: '/api', policy: 'bypass' }), 'deny');

  it('a prefix matches on segment boundaries', () => {
    expect(matched(policy, 'https://a.example.com/api')).toBe(0);
    expect(matched(policy, 'https://a.example.com/api/')).toBe(0);
    expect(matched(policy, 'https://a.example.com/api/x/y')).toBe(0);
    expect(matched(policy, 'https://a.example.com/apix')).toBe('default');
    expect(matched(policy, 'https://a.example.com/ap')).toBe('default');
    expect(matched(policy, 'https://a.example.com/x/api')).toBe('default');
  });

  it('a prefix ending with / does not match the bare path', () => {
    const slash = new AccessPolicy(rules({ domain: '*.example.com', path: '/api/', policy: 'bypass' }), 'deny');
    expect(matched(slash, 'https://a.example.com/api/x')).toBe(0);
    expect(matched(slash, 'https://a.example.com/api')).toBe('default');
  });

  it('matches the decoded path and ignores the query string', () => {
    expect(matched(policy, 'https://a.example.com/%61pi/x')).toBe(0);
    expect(matched(policy, 'https://a.example.com/api?x=1')).toBe(0);
    expect(matched(policy, 'https://a.example.com/other?next=/api')).toBe('default');
    expect(matched(policy, 'https://a.example.com/apix?/api')).toBe('default');
  });

  it('an anchored regex matches from the start of the path', () => {
    const regex = new AccessPolicy(rules({ domain: '*.example.com', path: '^/v[0-9]+/admin$', policy: 'deny' }), 'bypass');
    expect(matched(regex, 'https://a.example.com/v2/admin')).toBe(0);
    expect(matched(regex, 'https://a.example.com/v2/admin/x')).toBe('default');
    expect(matched(regex, 'https://a.example.com/x/v2/admin')).toBe('default');
    expect(matched(regex, 'https://a.example.com/vx/admin')).toBe('default');
  });

  it('a list of paths matches any of them', () => {
    const list = new AccessPolicy(rules({ domain: '*.example.com', path: ['/a', '^/b/'], policy: 'bypass' }), 'deny');
    expect(matched(list, 'https://x.example.com/a/1')).toBe(0);
    expect(matched(list, 'https://x.example.com/b/1')).toBe(0);
    expect(matched(list, 'https://x.example.com/c')).toBe('default');
  });
});

describe('rule matching: methods and networks', () => {
  it('methods restrict a rule; HEAD is judged as GET', () => {
    const policy = new AccessPolicy(rules({ domain: '*.example.com', methods: ['GET'], policy: 'bypass' }), 'deny');
    expect(matched(policy, 'https://a.example.com/', { method: 'GET' })).toBe(0);
    expect(matched(policy, 'https://a.example.com/', { method: 'HEAD' })).toBe(0);
    expect(matched(policy, 'https://a.example.com/', { method: 'POST' })).toBe('default');
    expect(matched(policy, 'https://a.example.com/', { method: 'DELETE' })).toBe('default');
  });

  it('networks match the client IP by CIDR, IPv4 (also IPv4-mapped) and IPv6', () => {
    const policy = new AccessPolicy(rules({ domain: '*.example.com', networks: ['192.168.0.0/16', 'fd00::/8', '203.0.113.9'], policy: 'bypass' }), 'deny');
    expect(matched(policy, 'https://a.example.com/', { ip: '192.168.44.5' })).toBe(0);
    expect(matched(policy, 'https://a.example.com/', { ip: '::ffff:192.168.44.5' })).toBe(0);
    expect(matched(policy, 'https://a.example.com/', { ip: 'fd12:3456::1' })).toBe(0);
    expect(matched(policy, 'https://a.example.com/', { ip: '203.0.113.9' })).toBe(0);
    expect(matched(policy, 'https://a.example.com/', { ip: '203.0.113.10' })).toBe('default');
    expect(matched(policy, 'https://a.example.com/', { ip: '192.169.0.1' })).toBe('default');
    expect(matched(policy, 'https://a.example.com/', { ip: '10.0.0.1' })).toBe('default');
  });
});

describe('rule matching: subjects', () => {
  const policy = new AccessPolicy(
    rules(
      { domain: '*.example.com', subject: ['user:alice'], policy: 'one_factor' },
      { domain: '*.example.com', subject: ['role:editor'], policy: 'one_factor' },
      { domain: '*.example.com', subject: ['group:ops'], policy: 'two_factor' },
      { domain: '*.example.com', policy: 'deny' },
    ),
    'one_factor',
  );

  it('matches user:, role: and group: subjects, skipping rules whose subject does not match', () => {
    expect(matched(policy, 'https://a.example.com/', { who: principal('viewer', { username: 'alice' }) })).toBe(0);
    expect(matched(policy, 'https://a.example.com/', { who: principal('editor') })).toBe(1);
    expect(matched(policy, 'https://a.example.com/', { who: principal('viewer', { groups: ['staff', 'ops'] }) })).toBe(2);
    expect(matched(policy, 'https://a.example.com/', { who: principal('viewer', { groups: ['staff'] }) })).toBe(3);
  });

  it('an anonymous request at a subject rule must log in, not fall through to a later bypass', () => {
    const bypassAfter = new AccessPolicy(
      rules({ domain: '*.example.com', path: '/admin', subject: ['role:admin'], policy: 'one_factor' }, { domain: '*.example.com', policy: 'bypass' }),
      'deny',
    );
    expect(matched(bypassAfter, 'https://a.example.com/admin', { who: null })).toBe('needsIdentity:0');
    expect(matched(bypassAfter, 'https://a.example.com/other', { who: null })).toBe(1);
  });
});

describe('rule matching: order and default', () => {
  it('the first matching rule wins', () => {
    const policy = new AccessPolicy(
      rules({ domain: '*.example.com', path: '/public', policy: 'bypass' }, { domain: '*.example.com', policy: 'deny' }, { domain: '*.example.com', path: '/public', policy: 'deny' }),
      'one_factor',
    );
    expect(matched(policy, 'https://a.example.com/public/x')).toBe(0);
    expect(matched(policy, 'https://a.example.com/private')).toBe(1);
  });

  it('falls back to the default policy when nothing matches', () => {
    const policy = new AccessPolicy(rules({ domain: 'a.example.com', policy: 'bypass' }), 'two_factor');
    expect(matchOf(policy, 'https://b.example.com/')).toEqual({ kind: 'default', policy: 'two_factor' });
  });

  it('labels rules by index and name', () => {
    const policy = new AccessPolicy(rules({ domain: 'a.example.com', policy: 'bypass' }, { name: 'api', domain: 'a.example.com', policy: 'bypass' }), 'deny');
    expect(policy.rules.map((r) => r.label)).toEqual(['rules[0]', 'rules[1] (api)']);
  });
});

describe('per-host rule cache', () => {
  it('returns the same compiled list for the same host, holding only the rules for that host', () => {
    const policy = new AccessPolicy(
      rules({ domain: 'a.example.com', policy: 'bypass' }, { domain: '*.example.org', policy: 'deny' }, { domain: ['a.example.com', 'b.example.com'], policy: 'one_factor' }),
      'deny',
    );
    const first = policy.rulesFor('a.example.com');
    expect(policy.rulesFor('a.example.com')).toBe(first);
    expect(first.map((r) => r.index)).toEqual([0, 2]);
    expect(first[0]).toBe(policy.rules[0]);
    expect(policy.rulesFor('b.example.com').map((r) => r.index)).toEqual([2]);
    expect(policy.rulesFor('x.example.org').map((r) => r.index)).toEqual([1]);
  });

  it('keeps answering correctly after the cache fills up', () => {
    const policy = new AccessPolicy(rules({ domain: '*.example.com', path: '/p', policy: 'bypass' }), 'deny');
    for (let i = 0; i < 1100; i++) expect(policy.rulesFor(`h${i}.example.com`)).toHaveLength(1);
    expect(matched(policy, 'https://h5.example.com/p')).toBe(0);
  });
});
