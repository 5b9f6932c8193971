import { describe, expect, it } from 'vitest';
import { ALICE, BOB, ceremonyHarness, newAuthenticator, RP } from './ceremony-harness.js';
import { passkeyAmr } from '../../src/passkeys/verify-authentication.js';
import { userHandleOf } from '../../src/passkeys/registration-options.js';

describe('passkey ceremonies (software authenticator)', () => {
  it('registration options ask for a discoverable, user-verifying credential and exclude the user’s own passkeys', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    const { options } = await h.registrationOptions(ALICE);
    expect(options.rp).toEqual({ id: RP.id, name: 'Gatehouse' });
    expect(options.user).toMatchObject({ id: userHandleOf(ALICE), name: 'alice' });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', requireResidentKey: true, userVerification: 'required', authenticatorAttachment: 'platform' });
    expect(options.attestation).toBe('none');
    expect(options.excludeCredentials?.map((c) => c.id)).toEqual([auth.credentialId]);
  });

  it('registers, then signs in discoverably: the user handle and counter come back, amr hwk for a device-bound key', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator({ startCounter: 1 });
    const entry = await h.enrol(ALICE, auth);
    expect(entry).toMatchObject({ id: auth.credentialId, userId: ALICE.id, userHandle: userHandleOf(ALICE), counter: 1, deviceType: 'singleDevice', backedUp: false, rpId: RP.id, attachment: 'platform', transports: ['internal'] });

    const { options } = await h.authenticationOptions();
    expect(options).toMatchObject({ rpId: RP.id, userVerification: 'required' });
    expect(options.allowCredentials).toBeUndefined();

    const result = await h.signIn(auth);
    expect(result).toMatchObject({ ok: true, newCounter: 2, amr: 'hwk', purpose: 'sign_in' });
    expect(h.passkeys.get(auth.credentialId)!.counter).toBe(2);
  });

  it('a synced (backup-eligible) passkey gives amr swk', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator({ backupEligible: true });
    const entry = await h.enrol(ALICE, auth);
    expect(entry).toMatchObject({ deviceType: 'multiDevice', backedUp: true });
    expect(await h.signIn(auth)).toMatchObject({ ok: true, amr: 'swk' });
    expect(passkeyAmr('singleDevice')).toBe('hwk');
  });

  it('authenticators without a counter (always 0) keep working', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator({ startCounter: 0 });
    await h.enrol(ALICE, auth);
    expect(await h.signIn(auth)).toMatchObject({ ok: true, newCounter: 0 });
    expect(await h.signIn(auth)).toMatchObject({ ok: true, newCounter: 0 });
  });

  it('a second-factor ceremony lists only that user’s passkeys and accepts them', async () => {
    const h = ceremonyHarness();
    const alice = newAuthenticator();
    await h.enrol(ALICE, alice);
    await h.enrol(BOB, newAuthenticator());
    const { options } = await h.authenticationOptions(ALICE);
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([alice.credentialId]);
    expect(await h.signIn(alice, {}, { user: ALICE })).toMatchObject({ ok: true, purpose: 'second_factor' });
  });

  it('an unknown credential id means the passkey was removed from Gatehouse', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    h.passkeys.delete(auth.credentialId);
    expect(await h.signIn(auth)).toMatchObject({ ok: false, code: 'passkey_removed' });
  });
});
