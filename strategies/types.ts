/**
 * The shared vocabulary of every authentication mode. Strategies are pure: no
 * Fastify, no filesystem, no process.env. Secrets and the clock arrive through
 * the constructor, so tests control both.
 */

export const AUTH_MODES = ['open', 'token', 'userPassword', 'oauth2'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** Higher outranks lower: what a token, a rule's minRole or a mapping change is compared by. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, editor: 1, admin: 2 };

/** NIST authenticator assurance level reached by a session or credential. */
export type Acr = 'aal1' | 'aal2';

/** Who a request belongs to, once a credential has been verified. */
export interface Principal {
  /** Stable identifier: the username, or `issuer|sub` for OIDC. */
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly groups: readonly string[];
  readonly email?: string;
  readonly name?: string;
  /** Authentication methods references (RFC 8176): pwd, otp, hwk, swk, sso, tok… */
  readonly amr: readonly string[];
  readonly acr: Acr;
}

/** The credential a request carried. At most one kind is ever considered. */
export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'session'; readonly principal: Principal }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

/**
 * What a strategy concluded about the credential. `anonymous` means "no
 * credential the mode recognises": access rules still decide (bypass rules,
 * or a redirect to the portal). `rejected` means a credential was presented
 * and is wrong: the request is refused without falling back to anything else.
 */
export type AuthResult =
  | { readonly outcome: 'authenticated'; readonly principal: Principal }
  | { readonly outcome: 'anonymous' }
  | { readonly outcome: 'rejected'; readonly challenge: 'basic' | 'bearer'; readonly code: string };

/** What a strategy may know about the request besides its credentials. */
export interface AuthContext {
  readonly clientIp: string;
  /** The protected host the request is for (API tokens may be limited to some domains). */
  readonly host?: string;
}

export interface AuthStrategy {
  readonly mode: AuthMode;
  /** Called on the hot path: must be synchronous-fast or cached. */
  authenticate(credentials: Credentials, context: AuthContext): AuthResult | Promise<AuthResult>;
}

/** Outcome of checking a username and password (regulation included). */
export type PasswordCheck =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: 'invalid' | 'busy' };

/**
 * Services strategies need from the rest of Gatehouse, injected so the
 * strategies stay free of I/O.
 */
export interface StrategyServices {
  /** Verifies a local password, counting failures toward brute-force regulation. */
  checkPassword(username: string, password: string, clientIp: string): Promise<PasswordCheck>;
  /** Changes whenever users change, so cached verifications expire at once. */
  usersGeneration(): number;
  /** The principal a per-user API token stands for at `host`, or null. Synchronous: memory only. */
  checkApiToken(token: string, host: string | undefined): Principal | null;
  /** True while regulation bans this account or client: a cached verification must not outlive a ban. */
  isBanned(username: string, clientIp: string): boolean;
}

/**
 * The answer to "may this request through?". A value, never a thrown error:
 * only misconfiguration, bugs and a corrupt store throw.
 */
export type Decision =
  | { readonly kind: 'allow'; readonly principal: Principal | null; readonly rule: string }
  | { readonly kind: 'deny'; readonly status: 401 | 403; readonly code: string; readonly rule: string; readonly challenge?: 'basic' | 'bearer' }
  | { readonly kind: 'login'; readonly rule: string }
  | { readonly kind: 'stepUp'; readonly factor: 'second_factor'; readonly rule: string };
