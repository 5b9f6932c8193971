import { createHash } from 'node:crypto';

const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * States whose callback already ran, remembered until their flow would have
 * expired anyway. A replayed callback (the same URL and the same cookie sent
 * twice) is refused even though its cookie is still cryptographically valid.
 * In memory: a restart forgets them, but flows expire in minutes and the
 * provider refuses a second exchange of the same code.
 */
export class UsedStates {
  private readonly used = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {}

  /** Marks `state` used until `expiresAtMs`. False when it was already used. */
  consume(state: string, expiresAtMs: number): boolean {
    const key = createHash('sha256').update(state).digest('base64url');
    const now = this.now();
    const until = this.used.get(key);
    if (until !== undefined && until > now) return false;
    if (this.used.size >= this.maxEntries) this.prune(now);
    this.used.set(key, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.used.size;
  }

  private prune(now: number): void {
    for (const [key, until] of this.used) if (until <= now) this.used.delete(key);
    // Still full: forget the oldest (Map keeps insertion order), closest to expiry anyway.
    for (const key of this.used.keys()) {
      if (this.used.size < this.maxEntries) break;
      this.used.delete(key);
    }
  }
}
