/**
 * A phishing page at another origin can relay the challenge, but the browser
 * writes the page's real origin into clientDataJSON: Gatehouse accepts only
 * its configured origins, for registration and sign-in, and refuses answers
 * made inside a cross-origin iframe.
 */
import { describe, expect, it } from 'vitest';
import { ALICE, ceremonyHarness, newAuthenticator } from '../passkeys/ceremony-harness.js';

describe('passkey answer from a wrong origin', () => {
  it('is refused at sign-in', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    expect(await h.signIn(auth, { origin: 'https://auth.example.com.evil.test' })).toMatchObject({ ok: false, code: 'origin_mismatch' });
    expect(await h.signIn(auth, { origin: 'http://auth.example.com' })).toMatchObject({ ok: false, code: 'origin_mismatch' });
    expect(await h.signIn(auth, { origin: 'https://auth.example.com:8443' })).toMatchObject({ ok: false, code: 'origin_mismatch' });
    expect(await h.signIn(auth, { crossOrigin: true })).toMatchObject({ ok: false, code: 'origin_mismatch' });
    expect(await h.signIn(auth)).toMatchObject({ ok: true });
  });

  it('is refused at registration', async () => {
    const h = ceremonyHarness();
    const { ceremonyId, options } = await h.registrationOptions(ALICE);
    const result = await h.verifyRegistration(ALICE, ceremonyId, newAuthenticator().register(options, { origin: 'https://evil.test' }));
    expect(result).toMatchObject({ ok: false, code: 'origin_mismatch', detail: 'origin https://evil.test' });
  });
});
