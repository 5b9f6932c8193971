import type { AuthResult, AuthStrategy, Principal } from './types.js';

/** Everyone who reaches Gatehouse is this admin. Only safe on a trusted network. */
export const OPEN_PRINCIPAL: Principal = Object.freeze({
  id: 'open',
  username: 'open',
  role: 'admin',
  groups: Object.freeze(['admin']),
  name: 'Open mode (no authentication)',
  amr: Object.freeze([]),
  acr: 'aal2',
});

const AUTHENTICATED: AuthResult = Object.freeze({ outcome: 'authenticated', principal: OPEN_PRINCIPAL });

export class OpenStrategy implements AuthStrategy {
  readonly mode = 'open' as const;

  authenticate(): AuthResult {
    return AUTHENTICATED;
  }
}
