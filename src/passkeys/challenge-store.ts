import { randomToken, type Random } from '../crypto/random.js';

export const CHALLENGE_TTL_MS = 5 * 60_000;
/** How long the browser lets the person answer: a bit under the challenge's lifetime. */
export const CEREMONY_TIMEOUT_MS = CHALLENGE_TTL_MS - 60_000;
const DEFAULT_CAPACITY = 10_000;

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

/**
 * Challenges in memory, keyed by a random ceremony id that only the browser
 * which asked holds (in an HttpOnly cookie): a challenge is bound to its
 * ceremony and to that browser, is taken out on first use whatever the
 * outcome, and expires after five minutes. Bounded: the oldest entries make
 * room when it is full, so a flood of anonymous sign-in starts costs memory
 * only up to the cap.
 *
 * Per process: behind several replicas, a ceremony's two requests must reach
 * the same one (sticky sessions), as with any in-flight login state.
 */
export class ChallengeStore {
  private readonly entries = new Map<string, PendingCeremony>();
  private readonly ttlMs: number;
  private readonly capacity: number;

  constructor(private readonly deps: { now: () => number; random: Random; ttlMs?: number; capacity?: number }) {
    this.ttlMs = deps.ttlMs ?? CHALLENGE_TTL_MS;
    this.capacity = deps.capacity ?? DEFAULT_CAPACITY;
  }

  /** Stores a new challenge; returns the ceremony id for the cookie and the challenge for the options. */
  issue(input: Omit<PendingCeremony, 'challenge' | 'expiresAt'>): { ceremonyId: string; challenge: string; expiresAt: number } {
    this.makeRoom();
    const ceremonyId = randomToken(this.deps.random, 18);
    const challenge = randomToken(this.deps.random, 32);
    const expiresAt = this.deps.now() + this.ttlMs;
    this.entries.set(ceremonyId, { ...input, challenge, expiresAt });
    return { ceremonyId, challenge, expiresAt };
  }

  /** Removes and returns the ceremony: a second call with the same id finds nothing. */
  take(ceremonyId: string | undefined): TakenCeremony {
    if (!ceremonyId) return { found: false };
    const pending = this.entries.get(ceremonyId);
    if (!pending) return { found: false };
    this.entries.delete(ceremonyId);
    return { found: true, pending, expired: pending.expiresAt <= this.deps.now() };
  }

  get size(): number {
    return this.entries.size;
  }

  private makeRoom(): void {
    if (this.entries.size < this.capacity) return;
    const now = this.deps.now();
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
    // Insertion order is age order: drop the oldest until one slot is free.
    for (const id of this.entries.keys()) {
      if (this.entries.size < this.capacity) break;
      this.entries.delete(id);
    }
  }
}
