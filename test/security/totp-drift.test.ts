import { afterEach, describe, expect, it } from 'vitest';
import { totpCode, verifyTotp } from '../../src/mfa/totp.js';
import type { AppFixture } from '../support/app-fixture.js';
import { codeAt, codeStep, enrolTotp, passwordStep, userNamed } from '../support/mfa.js';
import { ALICE, userPasswordFixture } from '../support/user-password.js';

const STEP = 30_000;

/**
 * Attack: widen the window a captured or guessed code stays valid. One step
 * of clock drift either way is tolerated (RFC 6238 §5.2); two steps is not.
 */
describe('TOTP drift window: T±1 accepted, T±2 refused', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  for (const { offset, accepted } of [
    { offset: -2, accepted: false },
    { offset: -1, accepted: true },
    { offset: 0, accepted: true },
    { offset: 1, accepted: true },
    { offset: 2, accepted: false },
  ]) {
    it(`a code from T${offset >= 0 ? '+' : ''}${offset} is ${accepted ? 'accepted' : 'refused'} at /login/2fa`, async () => {
      fx = await userPasswordFixture([ALICE]);
      const { secret } = await enrolTotp(fx, userNamed(fx, 'alice'));
      fx.clock.now += 10 * 60_000 + 7_000; // a moment inside a step, well after enrolment's step
      const { session } = await passwordStep(fx.app, ALICE);
      const res = await codeStep(fx.app, session, await codeAt(secret, fx.clock.now + offset * STEP));
      expect(res.res.statusCode).toBe(accepted ? 303 : 401);
      expect(res.session !== undefined).toBe(accepted);
    });
  }

  it('at both edges of a step: ±1 step accepted, ±2 refused (verifyTotp)', async () => {
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const stepStart = Date.parse('2026-11-23T12:00:00Z');
    for (const now of [stepStart, stepStart + STEP - 1]) {
      const step = Math.floor(now / STEP);
      for (const offset of [-2, -1, 0, 1, 2]) {
        const code = await totpCode(secret, (step + offset) * STEP);
        const matched = await verifyTotp(secret, code, now, 0);
        // A code can collide with a neighbouring step's by chance (1 in 10^6): only assert what the window decides.
        if (Math.abs(offset) <= 1) expect(matched, `offset ${offset} at ${now - stepStart} ms into the step`).toBe(step + offset);
        else expect(matched, `offset ${offset} at ${now - stepStart} ms into the step`).toBeNull();
      }
    }
  });
});
