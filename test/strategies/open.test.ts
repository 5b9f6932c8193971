import { describe, expect, it } from 'vitest';
import { OpenStrategy, OPEN_PRINCIPAL } from '../../strategies/open.js';
import type { AuthStrategy, Credentials } from '../../strategies/types.js';

describe('OpenStrategy', () => {
  const strategy: AuthStrategy = new OpenStrategy();
  const inputs: Array<[string, Credentials]> = [
    ['no credentials', { kind: 'none' }],
    ['a bearer token', { kind: 'bearer', token: 'anything' }],
    ['wrong Basic credentials', { kind: 'basic', username: 'x', password: 'wrong' }],
    ['a viewer session', { kind: 'session', principal: { id: 'v', username: 'v', role: 'viewer', groups: [], amr: ['pwd'], acr: 'aal1' } }],
  ];

  it('has the mode id "open"', () => {
    expect(strategy.mode).toBe('open');
  });

  it.each(inputs)('authenticates %s as the open admin', (_label, credentials) => {
    const result = strategy.authenticate(credentials, { clientIp: '203.0.113.7' });
    expect(result).toEqual({ outcome: 'authenticated', principal: OPEN_PRINCIPAL });
    if (result instanceof Promise || result.outcome !== 'authenticated') throw new Error('expected a synchronous authenticated result');
    expect(result.principal.role).toBe('admin');
  });

  it('exposes a frozen admin principal that satisfies two_factor', () => {
    expect(Object.isFrozen(OPEN_PRINCIPAL)).toBe(true);
    expect(OPEN_PRINCIPAL.role).toBe('admin');
    expect(OPEN_PRINCIPAL.acr).toBe('aal2');
    expect(OPEN_PRINCIPAL.groups).toContain('admin');
  });
});
