/**
 * The authenticator signs the SHA-256 of the RP ID it used. A credential made
 * for another site (or an answer relayed from one) carries another hash and
 * is refused, even though its signature is valid.
 */
import { describe, expect, it } from 'vitest';
import { ALICE, ceremonyHarness, newAuthenticator } from '../passkeys/ceremony-harness.js';

describe('passkey answer with a wrong RP ID hash', () => {
  it('is refused at sign-in', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    expect(await h.signIn(auth, { rpId: 'evil.test' })).toMatchObject({ ok: false, code: 'rp_mismatch' });
    // The parent domain is another RP ID too, unless configured as the RP ID.
    expect(await h.signIn(auth, { rpId: 'example.com' })).toMatchObject({ ok: false, code: 'rp_mismatch' });
  });

  it('is refused at registration', async () => {
    const h = ceremonyHarness();
    const { ceremonyId, options } = await h.registrationOptions(ALICE);
    expect(await h.verifyRegistration(ALICE, ceremonyId, newAuthenticator().register(options, { rpId: 'evil.test' }))).toMatchObject({ ok: false, code: 'rp_mismatch' });
  });
});
