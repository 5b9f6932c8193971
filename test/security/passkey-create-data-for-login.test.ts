/**
 * The answer to a registration (clientData type webauthn.create) must never
 * sign anyone in, and a ceremony started for one purpose can't be finished
 * as another: a registration challenge can't complete a sign-in, a sign-in
 * challenge can't complete a second factor.
 */
import { describe, expect, it } from 'vitest';
import { ALICE, ceremonyHarness, newAuthenticator } from '../passkeys/ceremony-harness.js';

describe('webauthn.create data used for login', () => {
  it('an assertion whose clientData type is webauthn.create is refused', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    expect(await h.signIn(auth, { type: 'webauthn.create' })).toMatchObject({ ok: false, code: 'wrong_type' });
    expect(await h.signIn(auth, { type: 'payment.get' })).toMatchObject({ ok: false, code: 'wrong_type' });
  });

  it('a registration response posted to sign-in is refused', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    const { ceremonyId, options } = await h.authenticationOptions();
    const registration = auth.register({ challenge: options.challenge, rp: { id: options.rpId! }, user: { id: 'x' } });
    expect(await h.verifyAuthentication(ceremonyId, registration)).toMatchObject({ ok: false });
    expect(await h.verifyAuthentication(ceremonyId, registration)).toMatchObject({ ok: false, code: 'challenge_unknown' });
  });

  it('a registration ceremony can’t finish a sign-in', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    const { ceremonyId, options } = await h.registrationOptions(ALICE);
    expect(await h.verifyAuthentication(ceremonyId, auth.assert({ challenge: options.challenge, rpId: options.rp.id }))).toMatchObject({ ok: false, code: 'wrong_ceremony' });
  });

  it('a sign-in ceremony can’t finish a second factor', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    const { ceremonyId, options } = await h.authenticationOptions();
    expect(await h.verifyAuthentication(ceremonyId, auth.assert(options), { user: ALICE })).toMatchObject({ ok: false, code: 'wrong_ceremony' });
  });

  it('webauthn.get data can’t register a passkey', async () => {
    const h = ceremonyHarness();
    const { ceremonyId, options } = await h.registrationOptions(ALICE);
    expect(await h.verifyRegistration(ALICE, ceremonyId, newAuthenticator().register(options, { type: 'webauthn.get' }))).toMatchObject({ ok: false, code: 'wrong_type' });
  });
});
