import { z } from 'zod';
import { MemoryOneTimeStore, type OneTimeStore } from '../backend/one-time-store.js';
import { randomToken, type Random } from '../crypto/random.js';

export const CHALLENGE_TTL_MS = 5 * 60_000;
/** How long the browser lets the person answer: a bit under the challenge's lifetime. */
export const CEREMONY_TIMEOUT_MS = CHALLENGE_TTL_MS - 60_000;
/** How many ceremonies may wait at once in memory (Redis bounds them by their expiry instead). */
export const CHALLENGE_CAPACITY = 10_000;

export type Ceremony = 'registration' | 'authentication';

/** What a ceremony is for: the verify step must be the one its options were made for. */
export type CeremonyPurpose = 'register' | 'sign_in' | 'second_factor';

/** A challenge handed to a browser, waiting for the authenticator's answer. */
export interface PendingCeremony {
  readonly challenge: string;
  readonly ceremony: Ceremony;
  readonly purpose: CeremonyPurpose;
  /** The local user it was made for; null for a discoverable sign-in (anyone). */
  readonly userId: string | null;
  /** The session that asked for it; null for a sign-in from no session. */
  readonly sessionId: string | null;
  readonly expiresAt: number;
}

export type TakenCeremony = { found: true; pending: PendingCeremony; expired: boolean } | { found: false };

const PendingSchema = z.strictObject({
  challenge: z.string().min(1),
  ceremony: z.enum(['registration', 'authentication']),
  purpose: z.enum(['register', 'sign_in', 'second_factor']),
  userId: z.string().min(1).nullable(),
  sessionId: z.string().min(1).nullable(),
  expiresAt: z.number(),
});

/** How long past its expiry a challenge is kept, so a late answer is told "expired" rather than "unknown". */
const KEEP_EXPIRED_MS = 60_000;

/**
 * Challenges keyed by a random ceremony id that only the browser which asked
 * holds (in an HttpOnly cookie): a challenge is bound to its ceremony and to
 * that browser, is taken out on first use whatever the outcome, and expires
 * after five minutes. The values live in a one-time store: in memory and
 * bounded (the oldest entries make room, so a flood of anonymous sign-in
 * starts costs memory only up to the cap), or in Redis with an expiry, taken
 * with GETDEL, so a ceremony started on one replica finishes on another and
 * is answered once across all of them.
 */
export class ChallengeStore {
  private readonly ttlMs: number;
  private readonly store: OneTimeStore;

  constructor(private readonly deps: { now: () => number; random: Random; ttlMs?: number; capacity?: number; store?: OneTimeStore }) {
    this.ttlMs = deps.ttlMs ?? CHALLENGE_TTL_MS;
    this.store = deps.store ?? new MemoryOneTimeStore(deps.now, deps.capacity ?? CHALLENGE_CAPACITY);
  }

  /** Stores a new challenge; returns the ceremony id for the cookie and the challenge for the options. */
  async issue(input: Omit<PendingCeremony, 'challenge' | 'expiresAt'>): Promise<{ ceremonyId: string; challenge: string; expiresAt: number }> {
    const ceremonyId = randomToken(this.deps.random, 18);
    const challenge = randomToken(this.deps.random, 32);
    const expiresAt = this.deps.now() + this.ttlMs;
    const pending: PendingCeremony = { ...input, challenge, expiresAt };
    await this.store.put(ceremonyId, JSON.stringify(pending), expiresAt + KEEP_EXPIRED_MS);
    return { ceremonyId, challenge, expiresAt };
  }

  /** Removes and returns the ceremony: a second call with the same id, here or on another replica, finds nothing. */
  async take(ceremonyId: string | undefined): Promise<TakenCeremony> {
    if (!ceremonyId) return { found: false };
    const value = await this.store.take(ceremonyId);
    if (value === undefined) return { found: false };
    const parsed = PendingSchema.safeParse(safeJson(value));
    // A value that is not ours (hand-written into Redis) answers nothing: the ceremony fails, closed.
    if (!parsed.success) return { found: false };
    const pending: PendingCeremony = parsed.data;
    return { found: true, pending, expired: pending.expiresAt <= this.deps.now() };
  }
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
