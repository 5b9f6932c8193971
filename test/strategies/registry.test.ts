import { describe, expect, it } from 'vitest';
import { ConfigSchema, type ConfigInput } from '../../config/schema.js';
import { createStrategy, ModeUnavailableError } from '../../strategies/registry.js';
import { AUTH_MODES, type AuthMode } from '../../strategies/types.js';
import { OpenStrategy } from '../../strategies/open.js';
import { TokenStrategy } from '../../strategies/token.js';
import { sha256Hex } from '../../src/crypto/constant-time.js';

function configFor(mode: AuthMode) {
  const base = { version: 1 as const, domains: ['example.com'] };
  const input: ConfigInput =
    mode === 'oauth2'
      ? { ...base, mode, oauth2: { issuerUrl: 'https://idp.example.com', clientId: 'gatehouse' } }
      : mode === 'token'
        ? { ...base, mode, token: { hash: sha256Hex('t') } }
        : { ...base, mode };
  return ConfigSchema.parse(input);
}

describe('strategy registry', () => {
  it('handles every mode: a strategy with that mode id, or a clear ModeUnavailableError', () => {
    const handled: AuthMode[] = [];
    for (const mode of AUTH_MODES) {
      try {
        const strategy = createStrategy(configFor(mode));
        expect(strategy.mode).toBe(mode);
      } catch (error) {
        expect(error).toBeInstanceOf(ModeUnavailableError);
        expect((error as Error).message).toContain(mode);
      }
      handled.push(mode);
    }
    expect(handled).toEqual(['open', 'token', 'userPassword', 'oauth2']);
  });

  it('builds an OpenStrategy for open mode', () => {
    expect(createStrategy(configFor('open'))).toBeInstanceOf(OpenStrategy);
  });

  it('builds a TokenStrategy bound to the configured token hash', () => {
    const strategy = createStrategy(configFor('token'));
    expect(strategy).toBeInstanceOf(TokenStrategy);
    expect((strategy as TokenStrategy).matches('t')).toBe(true);
    expect((strategy as TokenStrategy).matches('u')).toBe(false);
  });

  it('builds a TokenStrategy that matches nothing when token mode has no token yet', () => {
    const strategy = createStrategy(ConfigSchema.parse({ version: 1, mode: 'token', domains: ['example.com'] }));
    expect((strategy as TokenStrategy).matches('')).toBe(false);
    expect((strategy as TokenStrategy).matches('anything')).toBe(false);
  });
});
