/**
 * A credential belongs to one user. Someone who knows Alice's password can't
 * finish her second factor with their own passkey; a discoverable answer
 * whose user handle was swapped is refused; a ceremony started by one session
 * can't be finished by another; the same credential id can't be registered
 * by a second user.
 */
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, ceremonyHarness, newAuthenticator } from '../passkeys/ceremony-harness.js';
import { userHandleOf } from '../../src/passkeys/registration-options.js';

describe('another user’s passkey', () => {
  it('can’t be Alice’s second factor', async () => {
    const h = ceremonyHarness();
    await h.enrol(ALICE, newAuthenticator());
    const bobs = newAuthenticator();
    await h.enrol(BOB, bobs);
    expect(await h.signIn(bobs, {}, { user: ALICE })).toMatchObject({ ok: false, code: 'wrong_user' });
  });

  it('a swapped user handle is refused at sign-in', async () => {
    const h = ceremonyHarness();
    const bobs = newAuthenticator();
    await h.enrol(BOB, bobs);
    await h.enrol(ALICE, newAuthenticator());
    expect(await h.signIn(bobs, { userHandle: userHandleOf(ALICE) })).toMatchObject({ ok: false, code: 'wrong_user' });
    expect(await h.signIn(bobs)).toMatchObject({ ok: true, entry: { userId: BOB.id } });
  });

  it('a second-factor ceremony started by Alice’s session can’t be finished by Bob’s', async () => {
    const h = ceremonyHarness();
    const bobs = newAuthenticator();
    await h.enrol(BOB, bobs);
    await h.enrol(ALICE, newAuthenticator());
    const { ceremonyId, options } = await h.authenticationOptions(ALICE);
    expect(await h.verifyAuthentication(ceremonyId, bobs.assert(options), { user: BOB })).toMatchObject({ ok: false, code: 'challenge_unknown' });
  });

  it('a registration ceremony started by Alice can’t be finished by Bob', async () => {
    const h = ceremonyHarness();
    const { ceremonyId, options } = await h.registrationOptions(ALICE);
    expect(await h.verifyRegistration(BOB, ceremonyId, newAuthenticator().register(options))).toMatchObject({ ok: false, code: 'challenge_unknown' });
  });
});
