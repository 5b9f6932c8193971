import type { AuthResult } from '../../strategies/types.js';
import { decide } from '../authz/decide.js';
import { parseTarget, splitOriginalUrl } from '../authz/target.js';
import type { AppContext } from '../app-context.js';
import type { Runtime } from '../runtime.js';
import { userPrincipal } from '../users/principal.js';

export interface TryRequest {
  readonly url: string;
  readonly method: string;
  readonly user?: string | undefined;
  readonly clientIp: string;
  readonly secondFactor: boolean;
}

/**
 * "Try a request": the decision the check would make for a user (or an
 * anonymous visitor) asking for a URL, computed by the very same parse and
 * decide code as /api/authz/*.
 */
export function tryRequest(ctx: AppContext, rt: Runtime, input: TryRequest) {
  const parts = splitOriginalUrl(input.url);
  if (!parts) return { ok: false as const, error: 'bad_url', message: 'give an absolute URL such as https://app.example.com/path' };
  const parsed = parseTarget({ method: input.method, proto: parts.proto, host: parts.host, uri: parts.uri, clientIp: input.clientIp }, rt.config);
  if (!parsed.ok) return { ok: false as const, error: parsed.code, message: `the check would answer 400: ${parsed.message}` };
  let auth: AuthResult = { outcome: 'anonymous' };
  if (input.user !== undefined) {
    const user = ctx.users.find(input.user);
    if (!user) return { ok: false as const, error: 'no_such_user', message: `no user named ${input.user}` };
    if (user.disabled) return { ok: false as const, error: 'user_disabled', message: `${user.username} is disabled and cannot sign in` };
    auth = { outcome: 'authenticated', principal: userPrincipal(user, input.secondFactor ? ['pwd', 'otp'] : ['pwd'], input.secondFactor ? 'aal2' : 'aal1') };
  }
  const decision = decide(parsed.target, auth, ctx.decideContext(rt));
  const status = decision.kind === 'allow' ? 200 : decision.kind === 'deny' ? decision.status : 302;
  const matched = rt.policy.rules.find((rule) => rule.label === decision.rule);
  // Say so when a restrictive rule decided on a path that differs from its pattern only in case.
  const caseNote = matched?.foldsCase && !matched.matchesPath(parsed.target.path, parsed.target.path)
    ? `${matched.label} matches its path in any letter case (apps often route ${parsed.target.path} like its lower-case form), so it applies here too`
    : undefined;
  return {
    ok: true as const,
    decision: decision.kind,
    status,
    rule: decision.rule,
    ...(caseNote ? { note: caseNote } : {}),
    target: { host: parsed.target.host, path: parsed.target.path, method: parsed.target.method },
  };
}
