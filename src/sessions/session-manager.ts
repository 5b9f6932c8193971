import { constantTimeEqualHex, sha256Hex } from '../crypto/constant-time.js';
import { randomToken, type Random } from '../crypto/random.js';
import type { Acr, AuthMode, Principal } from '../../strategies/types.js';
import type { SessionRecord, SessionStore } from './session-record.js';

export interface SessionTimeouts {
  readonly ttlMs: number;
  readonly idleMs: number;
}

export interface NewSession {
  readonly mode: AuthMode;
  readonly principal: Principal;
  readonly amr: readonly string[];
  readonly acr: Acr;
  readonly mfaAt: number | null;
  readonly ip: string;
  readonly userAgent: string;
}

// 128-bit id, 256-bit secret, both base64url.
const COOKIE_VALUE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
// Last-seen is only rewritten when it moved this much, so a busy session is not always dirty.
const TOUCH_GRANULARITY_MS = 5_000;

/** Creates, verifies and revokes sessions. `verify` is the hot path: memory only, no I/O. */
export class SessionManager {
  constructor(
    private readonly store: SessionStore,
    private readonly deps: { now: () => number; random: Random; timeouts: () => SessionTimeouts },
  ) {}

  /** Starts a new session (always a new id: no fixation). Returns the cookie value, shown once. */
  async create(input: NewSession): Promise<{ cookieValue: string; record: SessionRecord }> {
    const now = this.deps.now();
    const id = randomToken(this.deps.random, 16);
    const secret = randomToken(this.deps.random, 32);
    const record: SessionRecord = {
      id,
      secretHash: sha256Hex(secret),
      mode: input.mode,
      principal: input.principal,
      amr: input.amr,
      acr: input.acr,
      mfaAt: input.mfaAt,
      createdAt: now,
      expiresAt: now + this.deps.timeouts().ttlMs,
      lastSeenAt: now,
      ip: input.ip,
      userAgent: input.userAgent.slice(0, 256),
    };
    await this.store.put(record);
    return { cookieValue: `${id}.${secret}`, record };
  }

  /** The live session a cookie value names under `mode`, or null. Forged, expired, idle or revoked → null. */
  verify(cookieValue: string, mode: AuthMode): SessionRecord | null {
    const match = COOKIE_VALUE.exec(cookieValue);
    if (!match) return null;
    const record = this.store.get(match[1]!);
    if (!record) return null;
    if (!constantTimeEqualHex(sha256Hex(match[2]!), record.secretHash)) return null;
    const now = this.deps.now();
    if (record.mode !== mode || now >= record.expiresAt || now >= record.lastSeenAt + this.deps.timeouts().idleMs) return null;
    if (now - record.lastSeenAt >= TOUCH_GRANULARITY_MS) this.store.touch(record.id, now);
    return record;
  }

  /** The session id when the cookie's secret matches, whatever the session's state; for logout. */
  ownedId(cookieValue: string): string | null {
    const match = COOKIE_VALUE.exec(cookieValue);
    const record = match ? this.store.get(match[1]!) : undefined;
    return record && constantTimeEqualHex(sha256Hex(match![2]!), record.secretHash) ? record.id : null;
  }

  get(id: string): SessionRecord | undefined {
    return this.store.get(id);
  }

  revoke(id: string): Promise<void> {
    return this.store.delete([id]);
  }

  /** Revokes every session for which `predicate` holds; returns how many. */
  async revokeWhere(predicate: (record: SessionRecord) => boolean): Promise<number> {
    const ids = [...this.store.all()].filter(predicate).map((s) => s.id);
    await this.store.delete(ids);
    return ids.length;
  }

  list(predicate: (record: SessionRecord) => boolean = () => true): SessionRecord[] {
    return [...this.store.all()].filter(predicate);
  }
}
