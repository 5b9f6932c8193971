/**
 * Challenges live five minutes: an answer that comes later is refused with
 * its own code ("expired", not "unknown"), so the page can say to start again.
 */
import { describe, expect, it } from 'vitest';
import { ALICE, ceremonyHarness, newAuthenticator } from '../passkeys/ceremony-harness.js';
import { MemoryOneTimeStore } from '../../src/backend/one-time-store.js';
import { CHALLENGE_TTL_MS, ChallengeStore } from '../../src/passkeys/challenge-store.js';
import { systemRandom } from '../../src/crypto/random.js';

describe('passkey challenge expiry', () => {
  it('an answer after five minutes is refused as expired', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    const { ceremonyId, options } = await h.authenticationOptions();
    h.clock.now += CHALLENGE_TTL_MS;
    expect(await h.verifyAuthentication(ceremonyId, auth.assert(options))).toMatchObject({ ok: false, code: 'challenge_expired' });
  });

  it('an answer just inside five minutes is accepted', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator();
    await h.enrol(ALICE, auth);
    const { ceremonyId, options } = await h.authenticationOptions();
    h.clock.now += CHALLENGE_TTL_MS - 1;
    expect(await h.verifyAuthentication(ceremonyId, auth.assert(options))).toMatchObject({ ok: true });
  });

  it('registration challenges expire the same way', async () => {
    const h = ceremonyHarness();
    const { ceremonyId, options } = await h.registrationOptions(ALICE);
    h.clock.now += CHALLENGE_TTL_MS + 1;
    expect(await h.verifyRegistration(ALICE, ceremonyId, newAuthenticator().register(options))).toMatchObject({ ok: false, code: 'challenge_expired' });
  });

  it('the store is bounded: a flood of ceremonies pushes out the oldest, never grows past the cap', async () => {
    let now = 0;
    const memory = new MemoryOneTimeStore(() => now, 3);
    const store = new ChallengeStore({ now: () => now, random: systemRandom, store: memory });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await store.issue({ ceremony: 'authentication', purpose: 'sign_in', userId: null, sessionId: null })).ceremonyId);
    expect(memory.size).toBe(3);
    expect(await store.take(ids[0])).toEqual({ found: false });
    now += 1;
    expect(await store.take(ids[3])).toMatchObject({ found: true, expired: false });
  });
});
