import { generate, verify } from 'otplib';
import { describe, expect, it } from 'vitest';
import { TOTP_DIGITS, TOTP_PERIOD_SECONDS, totpCode, verifyTotp } from '../../src/mfa/totp.js';

/** RFC 4648 base32 without padding: the secret format src/mfa hands to otplib. */
function base32(ascii: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of Buffer.from(ascii, 'ascii')) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}

// RFC 6238 Appendix B: the seeds are the ASCII digits "1234567890" repeated to the hash's length.
const SEEDS = {
  sha1: base32('12345678901234567890'),
  sha256: base32('12345678901234567890123456789012'),
  sha512: base32('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;

const VECTORS: Array<{ time: number; sha1: string; sha256: string; sha512: string }> = [
  { time: 59, sha1: '94287082', sha256: '46119246', sha512: '90693936' },
  { time: 1111111109, sha1: '07081804', sha256: '68084774', sha512: '25091201' },
  { time: 1111111111, sha1: '14050471', sha256: '67062674', sha512: '99943326' },
  { time: 1234567890, sha1: '89005924', sha256: '91819424', sha512: '93441116' },
  { time: 2000000000, sha1: '69279037', sha256: '90698825', sha512: '38618901' },
  { time: 20000000000, sha1: '65353130', sha256: '77737706', sha512: '47863826' },
];

const ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;

describe('RFC 6238 Appendix B test vectors', () => {
  it('the base32 encoder gives the well-known encoding of the SHA1 seed', () => {
    expect(SEEDS.sha1).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  for (const algorithm of ALGORITHMS) {
    describe(algorithm, () => {
      for (const vector of VECTORS) {
        it(`T=${vector.time}: otplib generates ${vector[algorithm]} (8 digits, the call shape src/mfa/totp.ts uses)`, async () => {
          const code = await generate({ secret: SEEDS[algorithm], epoch: vector.time, digits: 8, period: TOTP_PERIOD_SECONDS, algorithm });
          expect(code).toBe(vector[algorithm]);
        });

        it(`T=${vector.time}: otplib verifies ${vector[algorithm]} with ±1 step, delta 0`, async () => {
          const result = await verify({ secret: SEEDS[algorithm], token: vector[algorithm], epoch: vector.time, digits: 8, period: TOTP_PERIOD_SECONDS, epochTolerance: TOTP_PERIOD_SECONDS, algorithm });
          expect(result).toMatchObject({ valid: true, delta: 0 });
          // One digit off is refused.
          const wrong = `${vector[algorithm].slice(0, 7)}${(Number(vector[algorithm][7]) + 1) % 10}`;
          const refused = await verify({ secret: SEEDS[algorithm], token: wrong, epoch: vector.time, digits: 8, period: TOTP_PERIOD_SECONDS, epochTolerance: TOTP_PERIOD_SECONDS, algorithm });
          expect(refused.valid).toBe(false);
        });
      }
    });
  }

  describe('our 6-digit SHA1 TOTP (src/mfa/totp.ts)', () => {
    it('uses 6 digits and 30 s steps', () => {
      expect(TOTP_DIGITS).toBe(6);
      expect(TOTP_PERIOD_SECONDS).toBe(30);
    });

    for (const vector of VECTORS) {
      // A 6-digit code is the 8-digit one mod 10^6: its last six digits.
      const six = vector.sha1.slice(2);
      it(`T=${vector.time}: totpCode gives ${six} and verifyTotp accepts it at its step`, async () => {
        const nowMs = vector.time * 1000;
        expect(await totpCode(SEEDS.sha1, nowMs)).toBe(six);
        const step = Math.floor(vector.time / TOTP_PERIOD_SECONDS);
        expect(await verifyTotp(SEEDS.sha1, six, nowMs, 0)).toBe(step);
        // Once that step is spent, the same code is refused.
        expect(await verifyTotp(SEEDS.sha1, six, nowMs, step)).toBeNull();
      });
    }

    it('refuses anything but six digits', async () => {
      expect(await verifyTotp(SEEDS.sha1, '94287082', 59_000, 0)).toBeNull();
      expect(await verifyTotp(SEEDS.sha1, '28708', 59_000, 0)).toBeNull();
      expect(await verifyTotp(SEEDS.sha1, '28708a', 59_000, 0)).toBeNull();
      expect(await verifyTotp(SEEDS.sha1, ' 287082', 59_000, 0)).toBeNull();
    });
  });
});
