/**
 * Values that may be used once, with an expiry: claimed marks (an OIDC state,
 * a TOTP step, a recovery code) and values put by one request and taken by
 * the next (a WebAuthn challenge). In Redis, a claim or a take on one replica
 * is seen by all of them. Every method throws StoreUnavailableError when the
 * shared store is down: a single-use check that cannot be made refuses.
 */
export interface OneTimeStore {
  /** Claims `id` until `expiresAtMs`: true for the first claim, false while an earlier one stands. */
  claim(id: string, expiresAtMs: number): Promise<boolean>;
  /** Stores `value` under `id` until `expiresAtMs`, for one take. */
  put(id: string, value: string, expiresAtMs: number): Promise<void>;
  /** Removes and returns the value: a second take (here or on another replica) finds nothing. */
  take(id: string): Promise<string | undefined>;
}

const DEFAULT_CAPACITY = 100_000;

/**
 * The embedded backend: one process, in memory, bounded. When full, expired
 * entries go first, then the oldest (Map keeps insertion order, and the
 * oldest is the closest to expiry anyway), so a flood costs memory only up
 * to the cap.
 */
export class MemoryOneTimeStore implements OneTimeStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    private readonly now: () => number,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  async claim(id: string, expiresAtMs: number): Promise<boolean> {
    const held = this.entries.get(id);
    if (held && held.expiresAt > this.now()) return false;
    this.store(id, '', expiresAtMs);
    return true;
  }

  async put(id: string, value: string, expiresAtMs: number): Promise<void> {
    this.store(id, value, expiresAtMs);
  }

  async take(id: string): Promise<string | undefined> {
    const held = this.entries.get(id);
    if (!held) return undefined;
    this.entries.delete(id);
    return held.expiresAt > this.now() ? held.value : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  private store(id: string, value: string, expiresAt: number): void {
    this.entries.delete(id);
    if (this.entries.size >= this.capacity) this.makeRoom();
    this.entries.set(id, { value, expiresAt });
  }

  private makeRoom(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
    for (const id of this.entries.keys()) {
      if (this.entries.size < this.capacity) break;
      this.entries.delete(id);
    }
  }
}
