import { hash, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../crypto/constant-time.js';
import { randomToken, type Random } from '../crypto/random.js';
import type { Acr, AuthMode, Principal } from '../../strategies/types.js';
import type { PendingStep, SessionRecord, SessionStore } from './session-record.js';

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
  readonly pending?: PendingStep;
}

// 128-bit id, 256-bit secret, both base64url.
const COOKIE_VALUE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
// Last-seen is only rewritten when it moved this much, so a busy session is not always dirty.
const TOUCH_GRANULARITY_MS = 5_000;
const PENDING_TTL_MS = 10 * 60_000;

// A record's stored hash, decoded once: the hot path then hashes and compares, nothing more.
const storedDigests = new WeakMap<SessionRecord, Buffer>();
// Holds the presented secret's digest for the comparison. Reused: the comparison is
// synchronous, so no two checks ever share it, and no buffer is allocated per check.
const presentedDigest = Buffer.alloc(32);

/** True when sha256(secret) is the record's secretHash; constant-time. */
function secretMatches(secret: string, record: SessionRecord): boolean {
  let stored = storedDigests.get(record);
  if (stored === undefined) {
    stored = Buffer.from(record.secretHash, 'hex');
    storedDigests.set(record, stored);
  }
  // crypto.hash (one shot) is about three times cheaper than createHash().update().digest().
  presentedDigest.write(hash('sha256', secret, 'hex'), 'hex');
  return stored.length === presentedDigest.length && timingSafeEqual(presentedDigest, stored);
}

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
      // A partial login must be finished within minutes, not kept for a day.
      expiresAt: now + (input.pending ? Math.min(PENDING_TTL_MS, this.deps.timeouts().ttlMs) : this.deps.timeouts().ttlMs),
      lastSeenAt: now,
      ip: input.ip,
      userAgent: input.userAgent.slice(0, 256),
      ...(input.pending ? { pending: input.pending } : {}),
    };
    await this.store.put(record);
    return { cookieValue: `${id}.${secret}`, record };
  }

  /** The live session a cookie value names under `mode`, or null. Forged, expired, idle or revoked → null. */
  verify(cookieValue: string, mode: AuthMode): SessionRecord | null {
    const record = this.live(cookieValue, mode);
    // A partial session (second factor still owed) is never a session here: fail closed.
    return record && !record.pending ? record : null;
  }

  /** The partial session a cookie names, for the pages that finish a login (2FA, enrolment). */
  verifyPending(cookieValue: string, mode: AuthMode): SessionRecord | null {
    const record = this.live(cookieValue, mode);
    return record?.pending ? record : null;
  }

  private live(cookieValue: string, mode: AuthMode): SessionRecord | null {
    const match = COOKIE_VALUE.exec(cookieValue);
    if (!match) return null;
    const record = this.store.get(match[1]!);
    if (!record) return null;
    if (!secretMatches(match[2]!, record)) return null;
    const now = this.deps.now();
    if (record.mode !== mode || now >= record.expiresAt || now >= record.lastSeenAt + this.deps.timeouts().idleMs) return null;
    if (now - record.lastSeenAt >= TOUCH_GRANULARITY_MS) this.store.touch(record.id, now);
    return record;
  }

  /** The session id when the cookie's secret matches, whatever the session's state; for logout. */
  ownedId(cookieValue: string): string | null {
    const match = COOKIE_VALUE.exec(cookieValue);
    const record = match ? this.store.get(match[1]!) : undefined;
    return record && secretMatches(match![2]!, record) ? record.id : null;
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
