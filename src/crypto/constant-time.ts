import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a UTF-8 string, as hex. Used to store high-entropy secrets (tokens, session secrets). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Compares two strings without leaking where they differ. Both sides are
 * hashed first so that a length difference leaks nothing either.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** Compares two hex digests of equal, known length (e.g. stored sha256 hashes). */
export function constantTimeEqualHex(aHex: string, bHex: string): boolean {
  if (aHex.length !== bHex.length) return false;
  return timingSafeEqual(Buffer.from(aHex, 'hex'), Buffer.from(bHex, 'hex'));
}
