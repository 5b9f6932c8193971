import type { Policy, Rule } from '../../config/schema.js';
import { isWithinDomain } from '../../config/hostname.js';
import { NetworkList } from '../../config/network.js';
import type { Principal, Role } from '../../strategies/types.js';

/** A rule with everything parsed up front, so matching does no string parsing per request. */
export interface CompiledRule {
  readonly index: number;
  /** `rules[2]` or `rules[2] (name)`: how the rule is shown in logs and "try a request". */
  readonly label: string;
  readonly policy: Policy;
  readonly minRole: Role | undefined;
  matchesHost(host: string): boolean;
  /** `lowerPath` is `path` lower-cased, computed once per request by the caller. */
  matchesPath(path: string, lowerPath: string): boolean;
  /**
   * A restrictive rule (deny, two_factor, subject, minRole) matches its path in any letter
   * case, because many apps route `/ADMIN` to `/admin`; a permissive one matches exactly,
   * so case never widens access.
   */
  readonly foldsCase: boolean;
  readonly methods: ReadonlySet<string> | undefined;
  readonly networks: NetworkList | undefined;
  readonly subjects: { users: ReadonlySet<string>; roles: ReadonlySet<string>; groups: ReadonlySet<string> } | undefined;
}

export interface RuleQuery {
  readonly host: string;
  readonly path: string;
  readonly method: string;
  readonly clientIp: string;
}

/** What the rule list says about a request. `needsIdentity`: a subject rule might apply, so log in first. */
export type RuleMatch =
  | { readonly kind: 'rule'; readonly rule: CompiledRule }
  | { readonly kind: 'default'; readonly policy: Policy }
  | { readonly kind: 'needsIdentity'; readonly rule: CompiledRule };

function domainMatcher(pattern: string): (host: string) => boolean {
  if (pattern.startsWith('*.')) {
    const base = pattern.slice(2);
    return (host) => host !== base && isWithinDomain(host, base);
  }
  return (host) => host === pattern;
}

/** A prefix matches on segment boundaries: `/api` matches `/api` and `/api/x`, never `/apix`. */
function pathMatcher(pattern: string, foldCase: boolean): (path: string, lowerPath: string) => boolean {
  if (pattern.startsWith('^')) {
    const regex = new RegExp(pattern, foldCase ? 'i' : '');
    return (path) => regex.test(path);
  }
  // Lower-cased once here, so a case-insensitive match costs one comparison per request.
  const prefix = foldCase ? pattern.toLowerCase() : pattern;
  const pick = foldCase ? (_path: string, lower: string) => lower : (path: string) => path;
  if (prefix.endsWith('/')) return (path, lower) => pick(path, lower).startsWith(prefix);
  const withSlash = `${prefix}/`;
  return (path, lower) => {
    const p = pick(path, lower);
    return p === prefix || p.startsWith(withSlash);
  };
}

/** Whether a rule narrows access, so that matching more requests can only refuse more. */
export function isRestrictive(rule: Pick<Rule, 'policy' | 'subject' | 'minRole'>): boolean {
  return rule.policy === 'deny' || rule.policy === 'two_factor' || rule.subject !== undefined || rule.minRole !== undefined;
}

function any<A extends unknown[]>(matchers: Array<(...args: A) => boolean>): (...args: A) => boolean {
  return matchers.length === 1 ? matchers[0]! : (...args) => matchers.some((m) => m(...args));
}

export function compileRule(rule: Rule, index: number): CompiledRule {
  const domains = Array.isArray(rule.domain) ? rule.domain : [rule.domain];
  const paths = rule.path === undefined ? undefined : Array.isArray(rule.path) ? rule.path : [rule.path];
  const subjects = rule.subject?.map((s) => {
    const at = s.indexOf(':');
    return [s.slice(0, at), s.slice(at + 1)] as const;
  });
  const foldsCase = isRestrictive(rule);
  const pick = (type: string) => new Set(subjects?.filter(([t]) => t === type).map(([, v]) => v) ?? []);
  return {
    index,
    label: rule.name ? `rules[${index}] (${rule.name})` : `rules[${index}]`,
    policy: rule.policy,
    minRole: rule.minRole,
    matchesHost: any(domains.map(domainMatcher)),
    matchesPath: paths ? any(paths.map((p) => pathMatcher(p, foldsCase))) : () => true,
    foldsCase,
    methods: rule.methods ? new Set(rule.methods) : undefined,
    networks: rule.networks ? new NetworkList(rule.networks) : undefined,
    subjects: subjects ? { users: pick('user'), roles: pick('role'), groups: pick('group') } : undefined,
  };
}

function subjectMatches(subjects: NonNullable<CompiledRule['subjects']>, principal: Principal): boolean {
  if (subjects.users.has(principal.username) || subjects.roles.has(principal.role)) return true;
  for (const group of principal.groups) if (subjects.groups.has(group)) return true;
  return false;
}

const MAX_CACHED_HOSTS = 1024;

/**
 * The access rules of one config version, compiled once. Rules are evaluated
 * in order and the first match wins; per-host rule lists are cached.
 */
export class AccessPolicy {
  readonly rules: readonly CompiledRule[];
  private readonly byHost = new Map<string, readonly CompiledRule[]>();
  /** Some rule matches case variants: only then is a request's path lower-cased. */
  private readonly foldsCase: boolean;

  constructor(
    rules: readonly Rule[],
    readonly defaultPolicy: Policy,
  ) {
    this.rules = rules.map(compileRule);
    this.foldsCase = this.rules.some((rule) => rule.foldsCase);
  }

  rulesFor(host: string): readonly CompiledRule[] {
    let list = this.byHost.get(host);
    if (list === undefined) {
      list = this.rules.filter((rule) => rule.matchesHost(host));
      // Hosts are already limited to protected domains; the cap bounds memory under a wildcard.
      if (this.byHost.size >= MAX_CACHED_HOSTS) this.byHost.clear();
      this.byHost.set(host, list);
    }
    return list;
  }

  match(query: RuleQuery, principal: Principal | null): RuleMatch {
    const lowerPath = this.foldsCase ? query.path.toLowerCase() : query.path;
    for (const rule of this.rulesFor(query.host)) {
      if (rule.methods && !rule.methods.has(query.method)) continue;
      if (!rule.matchesPath(query.path, lowerPath)) continue;
      if (rule.networks && !rule.networks.has(query.clientIp)) continue;
      if (rule.subjects) {
        // An anonymous request cannot be told apart from the subject yet: ask it to log in
        // rather than fall through to a later, possibly more permissive, rule.
        if (principal === null) return { kind: 'needsIdentity', rule };
        if (!subjectMatches(rule.subjects, principal)) continue;
      }
      return { kind: 'rule', rule };
    }
    return { kind: 'default', policy: this.defaultPolicy };
  }
}
