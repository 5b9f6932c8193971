import { constantTimeEqualHex, sha256Hex } from '../src/crypto/constant-time.js';
import type { AuthResult, AuthStrategy, Credentials, Principal } from './types.js';

export const TOKEN_PRINCIPAL: Principal = Object.freeze({
  id: 'token',
  username: 'token',
  role: 'admin',
  groups: Object.freeze(['admin']),
  name: 'Instance token',
  amr: Object.freeze(['tok']),
  // A 256-bit bearer secret is not phished by a login form; scripts cannot do
  // interactive MFA, so the instance token satisfies two_factor by design.
  acr: 'aal2',
});

const ANONYMOUS: AuthResult = Object.freeze({ outcome: 'anonymous' });

export interface TokenStrategyOptions {
  /** sha256 hex of the instance token, or undefined when none was generated yet. */
  readonly tokenHash: string | undefined;
}

/** `token` mode: one instance bearer token is admin; everyone else is anonymous. */
export class TokenStrategy implements AuthStrategy {
  readonly mode = 'token' as const;

  constructor(private readonly options: TokenStrategyOptions) {}

  authenticate(credentials: Credentials): AuthResult {
    switch (credentials.kind) {
      case 'none':
        return ANONYMOUS;
      case 'session':
        return { outcome: 'authenticated', principal: credentials.principal };
      case 'bearer':
        return this.verify(credentials.token, 'bearer');
      case 'basic':
        // Clients that can only send Basic put the token in the password field.
        return this.verify(credentials.password, 'basic');
    }
  }

  /** True when `token` is the instance token. Also used by the portal's token login. */
  matches(token: string): boolean {
    const expected = this.options.tokenHash;
    if (expected === undefined || token.length === 0) return false;
    return constantTimeEqualHex(sha256Hex(token), expected);
  }

  private verify(token: string, challenge: 'basic' | 'bearer'): AuthResult {
    if (this.matches(token)) return { outcome: 'authenticated', principal: TOKEN_PRINCIPAL };
    return { outcome: 'rejected', challenge, code: 'invalid_token' };
  }
}
