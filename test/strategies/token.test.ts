import { describe, expect, it } from 'vitest';
import { TokenStrategy, TOKEN_PRINCIPAL } from '../../strategies/token.js';
import type { Principal } from '../../strategies/types.js';
import { sha256Hex } from '../../src/crypto/constant-time.js';

const TOKEN = 'instance-token-0123456789abcdef0123456789abcdef';
const strategy = new TokenStrategy({ tokenHash: sha256Hex(TOKEN) });

describe('TokenStrategy', () => {
  it('has the mode id "token"', () => {
    expect(strategy.mode).toBe('token');
  });

  it('accepts the right bearer token as the token admin', () => {
    const result = strategy.authenticate({ kind: 'bearer', token: TOKEN });
    expect(result).toEqual({ outcome: 'authenticated', principal: TOKEN_PRINCIPAL });
    if (result.outcome === 'authenticated') expect(result.principal.role).toBe('admin');
  });

  it('rejects a wrong bearer token with a bearer challenge', () => {
    const result = strategy.authenticate({ kind: 'bearer', token: `${TOKEN}x` });
    expect(result.outcome).toBe('rejected');
    if (result.outcome !== 'rejected') throw new Error('unreachable');
    expect(result.challenge).toBe('bearer');
    expect(result.code).toBe('invalid_token');
  });

  it('accepts Basic credentials with the token as the password, whatever the user name', () => {
    for (const username of ['', 'token', 'alice']) {
      expect(strategy.authenticate({ kind: 'basic', username, password: TOKEN }).outcome).toBe('authenticated');
    }
  });

  it('rejects Basic credentials with a wrong password with a basic challenge', () => {
    const result = strategy.authenticate({ kind: 'basic', username: 'token', password: 'nope' });
    expect(result).toMatchObject({ outcome: 'rejected', challenge: 'basic' });
  });

  it('does not accept the token as the Basic user name', () => {
    expect(strategy.authenticate({ kind: 'basic', username: TOKEN, password: '' }).outcome).toBe('rejected');
  });

  it('is anonymous without credentials', () => {
    expect(strategy.authenticate({ kind: 'none' })).toEqual({ outcome: 'anonymous' });
  });

  it('trusts a verified session principal as is', () => {
    const principal: Principal = { id: 'token', username: 'token', role: 'admin', groups: ['admin'], amr: ['tok'], acr: 'aal2' };
    expect(strategy.authenticate({ kind: 'session', principal })).toEqual({ outcome: 'authenticated', principal });
  });

  it('matches() only the instance token', () => {
    expect(strategy.matches(TOKEN)).toBe(true);
    expect(strategy.matches(TOKEN.slice(0, -1))).toBe(false);
    expect(strategy.matches('')).toBe(false);
    expect(strategy.matches(sha256Hex(TOKEN))).toBe(false);
  });

  it('matches() nothing when no token is configured, and rejects every presented token', () => {
    const none = new TokenStrategy({ tokenHash: undefined });
    expect(none.matches(TOKEN)).toBe(false);
    expect(none.matches('')).toBe(false);
    expect(none.authenticate({ kind: 'bearer', token: TOKEN }).outcome).toBe('rejected');
    expect(none.authenticate({ kind: 'none' }).outcome).toBe('anonymous');
  });
});
