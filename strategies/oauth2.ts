import type { OAuth2Config } from '../config/schema.js';
import type { Acr, AuthContext, AuthResult, AuthStrategy, Credentials, Principal, Role, StrategyServices } from './types.js';

const ANONYMOUS: AuthResult = Object.freeze({ outcome: 'anonymous' });
const MAX_GROUPS = 100;
const MAX_CLAIM_LENGTH = 256;

/** What the mapping needs from the oauth2 settings. */
export type GroupMapping = Pick<OAuth2Config, 'adminGroupClaim' | 'adminGroupValues' | 'editorGroupValues' | 'fallbackRole'>;

/** The verified id_token (and userinfo) claims the principal is built from. */
export type OidcClaims = Readonly<Record<string, unknown>>;

export type ClaimsMapping =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: 'missing_sub' | 'no_matching_group'; readonly groups: readonly string[] };

/**
 * Provider `acr` values that mean "more than one factor". Anything else
 * (Keycloak's "1", "0", a bare "pwd" session) is single-factor.
 */
const MFA_ACR_VALUES = new Set([
  'aal2',
  'aal3',
  'mfa',
  'phr',
  'phrh',
  'http://schemas.openid.net/pape/policies/2007/06/multi-factor',
  'http://schemas.openid.net/pape/policies/2007/06/multi-factor-physical',
]);

const KNOWLEDGE_AMR = new Set(['pwd', 'pin', 'kba']);
const POSSESSION_OR_INHERENCE_AMR = new Set(['otp', 'hwk', 'swk', 'sms', 'tel', 'sc', 'pop', 'fpt', 'face', 'iris', 'retina', 'vbm']);

/**
 * `oauth2` mode. Browsers sign in at the OpenID provider (the routes in
 * src/routes/oidc.ts run the code flow); the check itself only ever sees the
 * resulting session, or a Gatehouse API token for scripts. Basic credentials
 * are not an OIDC login and are refused. Turning verified claims into a
 * principal is pure and lives here, so the group → role rules are tested
 * without a provider.
 */
export class OAuth2Strategy implements AuthStrategy {
  readonly mode = 'oauth2' as const;

  constructor(
    private readonly mapping: GroupMapping,
    private readonly services?: Pick<StrategyServices, 'checkApiToken'>,
  ) {}

  authenticate(credentials: Credentials, context?: AuthContext): AuthResult {
    switch (credentials.kind) {
      case 'none':
        return ANONYMOUS;
      case 'session':
        return { outcome: 'authenticated', principal: credentials.principal };
      case 'bearer': {
        const principal = this.services?.checkApiToken(credentials.token, context?.host) ?? null;
        return principal ? { outcome: 'authenticated', principal } : { outcome: 'rejected', challenge: 'bearer', code: 'invalid_token' };
      }
      case 'basic':
        return { outcome: 'rejected', challenge: 'basic', code: 'invalid_credentials' };
    }
  }

  /**
   * The principal for a verified login. Identity is issuer + `sub`, never the
   * email (a provider may let users change their email, or reuse it).
   * `issuer` must be the verified `iss`.
   */
  principalFor(issuer: string, claims: OidcClaims): ClaimsMapping {
    const sub = stringClaim(claims.sub);
    const groups = groupsFrom(claimAt(claims, this.mapping.adminGroupClaim));
    if (!sub) return { ok: false, reason: 'missing_sub', groups };
    const role = this.roleFor(groups);
    if (role === null) return { ok: false, reason: 'no_matching_group', groups };
    const providerAmr = Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string' && v.length <= 32).slice(0, 10) : [];
    return {
      ok: true,
      principal: Object.freeze({
        id: `oidc:${issuer}|${sub}`,
        username: stringClaim(claims.preferred_username) ?? sub,
        role,
        // The role comes first, so rules and upstreams see it like a local user's.
        groups: Object.freeze([role, ...groups.filter((g) => g !== role)]),
        email: plausibleEmail(claims.email, claims.email_verified),
        name: stringClaim(claims.name),
        amr: Object.freeze(['sso', ...new Set(providerAmr.filter((m) => m !== 'sso'))]),
        acr: assuranceLevel(claims.acr, providerAmr),
      }),
    };
  }

  /** Admin beats editor beats the fallback; `deny` means no session at all. */
  roleFor(groups: readonly string[]): Role | null {
    if (groups.some((g) => this.mapping.adminGroupValues.includes(g))) return 'admin';
    if (groups.some((g) => this.mapping.editorGroupValues.includes(g))) return 'editor';
    return this.mapping.fallbackRole === 'deny' ? null : this.mapping.fallbackRole;
  }
}

/**
 * A claim by name. Names with dots (Keycloak's `realm_access.roles`) are
 * looked up as a path when no top-level claim has that exact name.
 */
export function claimAt(claims: OidcClaims, name: string): unknown {
  if (Object.hasOwn(claims, name) || !name.includes('.')) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Groups as a list of strings: providers send an array, a few send one string. */
export function groupsFrom(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  const groups = list.filter((g): g is string => typeof g === 'string' && g.length > 0 && g.length <= MAX_CLAIM_LENGTH);
  return [...new Set(groups)].slice(0, MAX_GROUPS);
}

/**
 * The email, only when it looks like one address: exactly one `@` with
 * something on both sides, no spaces or controls, and not explicitly
 * unverified. `a@b@evil.com` is dropped, never guessed at.
 */
export function plausibleEmail(value: unknown, verified: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 254 || verified === false) return undefined;
  const parts = value.split('@');
  if (parts.length !== 2) return undefined;
  const [local, domain] = parts as [string, string];
  if (local === '' || domain === '' || /[\s\x00-\x1f\x7f,;<>"]/.test(value) || !domain.includes('.') || domain.startsWith('.') || domain.endsWith('.')) return undefined;
  return value;
}

/**
 * `aal2` when the provider says more than one factor was used: an MFA acr
 * value, `mfa` in amr, or a knowledge factor plus a possession or inherence
 * factor in amr (RFC 8176). The provider owns MFA in this mode; Gatehouse's
 * own second factor is never asked for.
 */
export function assuranceLevel(acr: unknown, amr: readonly string[]): Acr {
  if (typeof acr === 'string' && MFA_ACR_VALUES.has(acr)) return 'aal2';
  if (amr.includes('mfa')) return 'aal2';
  const knows = amr.some((m) => KNOWLEDGE_AMR.has(m));
  const hasOrIs = amr.some((m) => POSSESSION_OR_INHERENCE_AMR.has(m));
  return knows && hasOrIs ? 'aal2' : 'aal1';
}

function stringClaim(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed.length > 0 && trimmed.length <= MAX_CLAIM_LENGTH ? trimmed : undefined;
}
