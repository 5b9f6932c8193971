/**
 * Knowing a credential id (it is not secret: browsers show it, allow-lists
 * carry it) is not enough: an answer signed with any other key is refused.
 */
import { describe, expect, it } from 'vitest';
import { ALICE, ceremonyHarness, newAuthenticator } from '../passkeys/ceremony-harness.js';

describe('passkey answer with a forged signature', () => {
  it('another key signing for Alice’s credential id is refused', async () => {
    const h = ceremonyHarness();
    const alice = newAuthenticator();
    await h.enrol(ALICE, alice);
    const forger = newAuthenticator();
    forger.userHandle = alice.userHandle;
    expect(await h.signIn(forger, { credentialId: alice.credentialId })).toMatchObject({ ok: false, code: 'invalid_response' });
  });

  it('a flipped byte in the signed data is refused', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    const { ceremonyId, options } = await h.authenticationOptions();
    const answer = auth.assert(options);
    const signature = Buffer.from(answer.response.signature, 'base64url');
    signature[signature.length - 1]! ^= 0x01;
    const tampered = { ...answer, response: { ...answer.response, signature: signature.toString('base64url') } };
    expect(await h.verifyAuthentication(ceremonyId, tampered)).toMatchObject({ ok: false, code: 'invalid_response' });
  });

  it('junk instead of a response is refused, not thrown', async () => {
    const h = ceremonyHarness();
    for (const junk of [null, 'x', { id: 'a' }, { id: 'AAAAAAAAAAAAAAAAAAAAAA', rawId: 'AAAAAAAAAAAAAAAAAAAAAA', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' } }]) {
      const { ceremonyId } = await h.authenticationOptions();
      expect(await h.verifyAuthentication(ceremonyId, junk)).toMatchObject({ ok: false });
    }
  });
});
