import type { AuthResult, Credentials, Decision } from '../../strategies/types.js';
import type { AppContext } from '../app-context.js';
import { presentedCredentials } from '../http/credentials.js';
import type { Runtime } from '../runtime.js';
import { TOKEN_IN_TEXT } from '../tokens/token-service.js';
import { decide } from './decide.js';
import { parseTarget, type RawTarget, type Target } from './target.js';

const NO_CREDENTIALS: Credentials = Object.freeze({ kind: 'none' });

/** A request Gatehouse refuses to judge at all: it gets a 400, whatever the credentials. */
export interface Refusal {
  readonly ok: false;
  readonly code: string;
  readonly message: string;
  /** Worth a log line: the input was malformed rather than merely a missing credential. */
  readonly logged: boolean;
}

/** A request to judge: its target and what the strategy made of its credentials (a promise only when it must wait, e.g. bcrypt). */
export interface Judgement {
  readonly ok: true;
  readonly target: Target;
  readonly auth: AuthResult | Promise<AuthResult>;
}

/**
 * The check itself, shared by the forward-auth endpoints and proxy mode: the target is
 * validated, the credentials are read (an Authorization header alone, else the session
 * cookie) and authenticated by the mode's strategy. Synchronous unless the strategy has to
 * wait, because an async function would cost a promise on every check.
 */
export function judge(ctx: AppContext, rt: Runtime, raw: RawTarget, authorization: string | undefined, cookie: string | undefined): Judgement | Refusal {
  const parsed = parseTarget(raw, rt.config);
  if (!parsed.ok) return { ok: false, code: parsed.code, message: parsed.message, logged: true };
  const target = parsed.target;
  // A token in a URL ends up in logs and Referer headers: refuse it rather than honour it.
  if (target.uri.includes('gh_') && TOKEN_IN_TEXT.test(target.uri)) {
    return { ok: false, code: 'token_in_url', message: 'API tokens must be sent in the Authorization header, never in the URL', logged: false };
  }
  const presented = presentedCredentials(authorization, cookie);
  if (presented.kind === 'malformed') {
    if (!presented.challenge) return { ok: false, code: presented.code, message: 'credentials are malformed or ambiguous', logged: false };
    return { ok: true, target, auth: { outcome: 'rejected', challenge: presented.challenge, code: presented.code } };
  }
  let credentials: Credentials = NO_CREDENTIALS;
  if (presented.kind === 'cookie') {
    const session = ctx.sessions.verify(presented.value, rt.config.mode);
    if (session) credentials = { kind: 'session', principal: session.principal };
  } else {
    credentials = presented;
  }
  return { ok: true, target, auth: rt.strategy.authenticate(credentials, target) };
}

/** The decision for a judged request: the access rules, roles and second-factor policy. */
export function decisionFor(ctx: AppContext, rt: Runtime, target: Target, auth: AuthResult): Decision {
  return decide(target, auth, ctx.decideContext(rt));
}
