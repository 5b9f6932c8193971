import { randomBytes } from 'node:crypto';

/** Source of randomness, injectable so tests can make it deterministic. */
export interface Random {
  bytes(n: number): Buffer;
}

export const systemRandom: Random = { bytes: (n) => randomBytes(n) };

export function randomToken(random: Random, bytes: number): string {
  return random.bytes(bytes).toString('base64url');
}
