/**
 * A captured answer can't be sent again: a challenge is taken out of the
 * store on first use (whatever the outcome), it only works with the ceremony
 * cookie of the browser it was given to, and an answer signed over another
 * challenge is refused.
 */
import { describe, expect, it } from 'vitest';
import { ALICE, ceremonyHarness, newAuthenticator } from '../passkeys/ceremony-harness.js';

describe('passkey challenge replay', () => {
  it('the same answer twice: the second is refused', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    const { ceremonyId, options } = await h.authenticationOptions();
    const answer = auth.assert(options);
    expect(await h.verifyAuthentication(ceremonyId, answer)).toMatchObject({ ok: true });
    expect(await h.verifyAuthentication(ceremonyId, answer)).toMatchObject({ ok: false, code: 'challenge_unknown' });
  });

  it('a failed attempt spends the challenge too', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    const { ceremonyId, options } = await h.authenticationOptions();
    expect(await h.verifyAuthentication(ceremonyId, auth.assert(options, { uv: false }))).toMatchObject({ ok: false });
    expect(await h.verifyAuthentication(ceremonyId, auth.assert(options))).toMatchObject({ ok: false, code: 'challenge_unknown' });
  });

  it('an answer over an older challenge, sent with a fresh ceremony, is refused', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    const old = await h.authenticationOptions();
    const captured = auth.assert(old.options);
    const fresh = await h.authenticationOptions();
    expect(await h.verifyAuthentication(fresh.ceremonyId, captured)).toMatchObject({ ok: false, code: 'challenge_unknown' });
  });

  it('without the ceremony cookie of the browser that asked, nothing is found', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    const { options } = await h.authenticationOptions();
    expect(await h.verifyAuthentication('A'.repeat(24), auth.assert(options))).toMatchObject({ ok: false, code: 'challenge_unknown' });
  });

  it('a registration answer can’t be replayed either', async () => {
    const h = ceremonyHarness();
    const { ceremonyId, options } = await h.registrationOptions(ALICE);
    const answer = newAuthenticator().register(options);
    expect(await h.verifyRegistration(ALICE, ceremonyId, answer)).toMatchObject({ ok: true });
    expect(await h.verifyRegistration(ALICE, ceremonyId, answer)).toMatchObject({ ok: false, code: 'challenge_unknown' });
  });
});
