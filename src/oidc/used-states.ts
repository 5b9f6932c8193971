import { createHash } from 'node:crypto';
import type { OneTimeStore } from '../backend/one-time-store.js';

/**
 * States and nonces whose callback already ran, remembered until their flow
 * would have expired anyway. A replayed callback (the same URL and the same
 * cookie sent twice, to this replica or another) is refused even though its
 * cookie is still cryptographically valid. Kept under a hash: the store never
 * holds a value an attacker could present.
 */
export class UsedStates {
  constructor(private readonly store: OneTimeStore) {}

  /** Marks the flow's state and nonce used until `expiresAtMs`. False when either was already used. */
  async consume(flow: { readonly state: string; readonly nonce: string }, expiresAtMs: number): Promise<boolean> {
    const state = await this.store.claim(`state:${digest(flow.state)}`, expiresAtMs);
    if (!state) return false;
    return this.store.claim(`nonce:${digest(flow.nonce)}`, expiresAtMs);
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
