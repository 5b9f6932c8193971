import { ROLE_RANK, type AuthResult, type Decision, type Principal, type Role } from '../../strategies/types.js';
import type { AccessPolicy } from './rules.js';
import type { Target } from './target.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface DecideContext {
  readonly policy: AccessPolicy;
  /** True when the target is one of Gatehouse's own admin routes (settings, admin API). */
  isAdminRoute(target: Target): boolean;
}

/** The default role matrix, used when the matched rule sets no `minRole`. */
function roleAllows(principal: Principal, target: Target, ctx: DecideContext): boolean {
  switch (principal.role) {
    case 'admin':
      return true;
    case 'editor':
      return !ctx.isAdminRoute(target);
    case 'viewer':
      return SAFE_METHODS.has(target.method) && !ctx.isAdminRoute(target);
  }
}

/**
 * The whole access decision for one request: a pure function of the target,
 * what the strategy concluded about the credential, and the compiled rules.
 * The check endpoints and "try a request" both call this.
 */
export function decide(target: Target, auth: AuthResult, ctx: DecideContext): Decision {
  if (auth.outcome === 'rejected') {
    return { kind: 'deny', status: 401, code: auth.code, rule: 'credentials', challenge: auth.challenge };
  }
  const principal = auth.outcome === 'authenticated' ? auth.principal : null;
  const match = ctx.policy.match(target, principal);
  if (match.kind === 'needsIdentity') return { kind: 'login', rule: match.rule.label };

  const policy = match.kind === 'rule' ? match.rule.policy : match.policy;
  const rule = match.kind === 'rule' ? match.rule.label : 'defaultPolicy';

  switch (policy) {
    case 'bypass':
      return { kind: 'allow', principal, rule };
    case 'deny':
      return { kind: 'deny', status: 403, code: 'denied_by_rule', rule };
    case 'one_factor':
    case 'two_factor':
      if (principal === null) return { kind: 'login', rule };
      if (policy === 'two_factor' && principal.acr !== 'aal2') return { kind: 'stepUp', factor: 'second_factor', rule };
  }

  const minRole = match.kind === 'rule' ? match.rule.minRole : undefined;
  const allowed = minRole ? ROLE_RANK[principal.role] >= ROLE_RANK[minRole] : roleAllows(principal, target, ctx);
  if (!allowed) return { kind: 'deny', status: 403, code: 'role_forbidden', rule };
  return { kind: 'allow', principal, rule };
}
