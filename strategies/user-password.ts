import { createHmac, randomBytes } from 'node:crypto';
import type { AuthContext, AuthResult, AuthStrategy, Credentials, Principal, StrategyServices } from './types.js';

const ANONYMOUS: AuthResult = Object.freeze({ outcome: 'anonymous' });
const BASIC_CACHE_TTL_MS = 60_000;
const BASIC_CACHE_MAX = 1_000;

interface CachedBasic {
  readonly principal: Principal;
  readonly expires: number;
  readonly generation: number;
}

/**
 * `userPassword` mode: local accounts. Sessions come from the portal login;
 * API clients may send Basic credentials on the check itself. A bcrypt verify
 * costs a quarter second, so a successful Basic pair is remembered for a
 * minute under an HMAC of the pair (never the pair itself), and forgotten as
 * soon as any user changes.
 */
export class UserPasswordStrategy implements AuthStrategy {
  readonly mode = 'userPassword' as const;
  private readonly cacheKey = randomBytes(32);
  private readonly basicCache = new Map<string, CachedBasic>();

  constructor(
    private readonly services: StrategyServices,
    private readonly now: () => number = Date.now,
  ) {}

  authenticate(credentials: Credentials, context: AuthContext): AuthResult | Promise<AuthResult> {
    switch (credentials.kind) {
      case 'none':
        return ANONYMOUS;
      case 'session':
        return { outcome: 'authenticated', principal: credentials.principal };
      case 'bearer': {
        const principal = this.services.checkApiToken(credentials.token, context.host);
        return principal ? { outcome: 'authenticated', principal } : { outcome: 'rejected', challenge: 'bearer', code: 'invalid_token' };
      }
      case 'basic':
        return this.basic(credentials.username, credentials.password, context.clientIp);
    }
  }

  private async basic(username: string, password: string, clientIp: string): Promise<AuthResult> {
    const key = createHmac('sha256', this.cacheKey).update(username).update('\0').update(password).digest('base64url');
    const generation = this.services.usersGeneration();
    const cached = this.basicCache.get(key);
    // A banned client or account gets the full (refusing) check, cached pair or not: a ban answers like a wrong password.
    if (cached && cached.generation === generation && cached.expires > this.now() && !this.services.isBanned(username, clientIp)) {
      return { outcome: 'authenticated', principal: cached.principal };
    }
    const result = await this.services.checkPassword(username, password, clientIp);
    if (!result.ok) return { outcome: 'rejected', challenge: 'basic', code: result.reason === 'busy' ? 'busy' : 'invalid_credentials' };
    if (this.basicCache.size >= BASIC_CACHE_MAX) this.basicCache.clear();
    this.basicCache.set(key, { principal: result.principal, expires: this.now() + BASIC_CACHE_TTL_MS, generation });
    return { outcome: 'authenticated', principal: result.principal };
  }
}
