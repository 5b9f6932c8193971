/**
 * A passkey counts as multi-factor only because the authenticator verified
 * the person (biometric, PIN, screen lock). An answer with UV=0, i.e. mere
 * presence (a tap), is refused for sign-in, second factor and registration.
 */
import { describe, expect, it } from 'vitest';
import { ALICE, ceremonyHarness, newAuthenticator } from '../passkeys/ceremony-harness.js';

describe('passkey answer without user verification (UV=0)', () => {
  it('is refused at sign-in and as a second factor', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    expect(await h.signIn(auth, { uv: false })).toMatchObject({ ok: false, code: 'user_verification_required' });
    expect(await h.signIn(auth, { uv: false }, { user: ALICE })).toMatchObject({ ok: false, code: 'user_verification_required' });
    expect(await h.signIn(auth, { uv: false, up: false })).toMatchObject({ ok: false, code: 'user_verification_required' });
  });

  it('is refused at registration', async () => {
    const h = ceremonyHarness();
    const { ceremonyId, options } = await h.registrationOptions(ALICE);
    expect(await h.verifyRegistration(ALICE, ceremonyId, newAuthenticator().register(options, { uv: false }))).toMatchObject({ ok: false, code: 'user_verification_required' });
  });

  it('the options always require it', async () => {
    const h = ceremonyHarness();
    expect((await h.authenticationOptions()).options.userVerification).toBe('required');
    expect((await h.registrationOptions(ALICE)).options.authenticatorSelection?.userVerification).toBe('required');
  });
});
