import { randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
// No 0/O/1/I/L: codes are read off paper.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const ARGON2ID = 2;

/** `XXXXX-XXXXX`: 10 symbols of a 31-letter alphabet, ~49 bits each. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Upper-cases and drops spaces and dashes, so `abcde fghij` matches `ABCDE-FGHIJ`. */
export function normalizeRecoveryCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}

// argon2 is loaded with the first recovery code, so instances that never see one don't carry it.
export async function hashRecoveryCode(code: string): Promise<string> {
  const { hash } = await import('@node-rs/argon2');
  return hash(normalizeRecoveryCode(code), { algorithm: ARGON2ID });
}

/** The index of the stored hash `input` matches, or -1. All hashes are checked (in parallel). */
export async function findRecoveryCode(hashes: readonly string[], input: string): Promise<number> {
  const code = normalizeRecoveryCode(input);
  if (!/^[A-Z0-9]{10}$/.test(code)) return -1;
  const { verify } = await import('@node-rs/argon2');
  const matches = await Promise.all(hashes.map((h) => verify(h, code).catch(() => false)));
  return matches.indexOf(true);
}
