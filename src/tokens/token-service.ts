import { randomBytes } from 'node:crypto';
import type { ApiToken, TokensStore } from '../../config/tokens-store.js';
import type { User } from '../../config/users-schema.js';
import { isWithinDomain } from '../../config/hostname.js';
import { ROLE_RANK, type Principal, type Role } from '../../strategies/types.js';
import type { AuditLog } from '../audit/audit-log.js';
import { constantTimeEqualHex, sha256Hex } from '../crypto/constant-time.js';
import { userPrincipal } from '../users/principal.js';

const TOKEN = /^gh_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** Anything that looks like a Gatehouse API token, for refusing tokens in URLs. */
export const TOKEN_IN_TEXT = /gh_[0-9a-f]{16}_[A-Za-z0-9_-]{20,}/;

export class TokenError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface NewToken {
  readonly name: string;
  readonly role?: Role;
  readonly expiresInMs?: number | null;
  readonly domains?: string[];
}

/** A token as its owner and admins see it: never the hash. */
export function tokenView(token: ApiToken, owner: string) {
  const { hash: _hash, ...rest } = token;
  return { ...rest, user: owner };
}

/**
 * Per-user API tokens: `gh_<id>_<secret>`, shown once, stored as sha256 of
 * the secret (high-entropy, so a fast hash is right), looked up by id in
 * memory. A token acts with a role no higher than its owner's current role,
 * and stops working when the owner is disabled or deleted.
 */
export class TokenService {
  constructor(
    private readonly store: TokensStore,
    private readonly deps: { audit: AuditLog; now: () => number; findUser: (id: string) => User | undefined },
  ) {}

  async create(owner: User, input: NewToken, actor: { name: string; ip?: string }): Promise<{ token: string; record: ApiToken }> {
    const role = input.role ?? owner.role;
    if (ROLE_RANK[role] > ROLE_RANK[owner.role]) throw new TokenError('role_too_high', `a token cannot have a higher role (${role}) than its owner (${owner.role})`);
    if (input.expiresInMs !== undefined && input.expiresInMs !== null && input.expiresInMs <= 0) throw new TokenError('bad_expiry', 'expiry must be in the future');
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const now = this.deps.now();
    const record: ApiToken = {
      id,
      userId: owner.id,
      name: input.name,
      hash: sha256Hex(secret),
      role,
      ...(input.domains && input.domains.length > 0 ? { domains: input.domains } : {}),
      createdAt: new Date(now).toISOString(),
      expiresAt: input.expiresInMs ? new Date(now + input.expiresInMs).toISOString() : null,
    };
    await this.store.update((doc) => ({ ...doc, tokens: [...doc.tokens, record] }));
    await this.deps.audit.record({ event: 'token.create', actor: actor.name, target: owner.username, ip: actor.ip, details: { id, name: input.name, role, expiresAt: record.expiresAt } });
    return { token: `gh_${id}_${secret}`, record };
  }

  list(userId?: string): ApiToken[] {
    return this.store.current.tokens.filter((t) => userId === undefined || t.userId === userId);
  }

  get(id: string): ApiToken | undefined {
    return this.store.current.tokens.find((t) => t.id === id);
  }

  async revoke(id: string, actor: { name: string; ip?: string }): Promise<boolean> {
    let removed: ApiToken | undefined;
    await this.store.update((doc) => {
      removed = doc.tokens.find((t) => t.id === id);
      return { ...doc, tokens: doc.tokens.filter((t) => t.id !== id) };
    });
    if (removed) await this.deps.audit.record({ event: 'token.revoke', actor: actor.name, target: this.deps.findUser(removed.userId)?.username, ip: actor.ip, details: { id } });
    return removed !== undefined;
  }

  async revokeAllFor(userId: string): Promise<void> {
    await this.store.update((doc) => ({ ...doc, tokens: doc.tokens.filter((t) => t.userId !== userId) }));
  }

  /** The principal a presented token stands for at `host`, or null. Memory only: safe on the hot path. */
  verify(presented: string, host: string | undefined): Principal | null {
    const match = TOKEN.exec(presented);
    if (!match) return null;
    const record = this.store.current.tokens.find((t) => t.id === match[1]);
    if (!record || !constantTimeEqualHex(sha256Hex(match[2]!), record.hash)) return null;
    if (record.expiresAt !== null && Date.parse(record.expiresAt) <= this.deps.now()) return null;
    if (record.domains && (host === undefined || !record.domains.some((d) => isWithinDomain(host, d)))) return null;
    const owner = this.deps.findUser(record.userId);
    if (!owner || owner.disabled) return null;
    const role = ROLE_RANK[record.role] <= ROLE_RANK[owner.role] ? record.role : owner.role;
    // Scripts can't do interactive MFA: a token is aal2 by design, and marked `tok`.
    return userPrincipal({ ...owner, role }, ['tok'], 'aal2');
  }
}
