/**
 * The passkey ceremonies without HTTP: a relying party, a challenge store on
 * a test clock, passkeys in a Map, and the real options/verify functions.
 * Attack tests use it to send crafted answers straight to the verifiers.
 */
import type { PasskeyEntry } from '../../config/mfa-schema.js';
import { UserSchema, type User } from '../../config/users-schema.js';
import { systemRandom } from '../../src/crypto/random.js';
import { passkeyAuthenticationOptions } from '../../src/passkeys/authentication-options.js';
import { ChallengeStore, type CeremonyPurpose } from '../../src/passkeys/challenge-store.js';
import { passkeyRegistrationOptions, userHandleOf } from '../../src/passkeys/registration-options.js';
import type { RelyingParty } from '../../src/passkeys/relying-party.js';
import { verifyPasskeyAuthentication } from '../../src/passkeys/verify-authentication.js';
import { verifyPasskeyRegistration } from '../../src/passkeys/verify-registration.js';
import { SoftAuthenticator, type Tamper } from './soft-authenticator.js';

export const RP: RelyingParty = { id: 'auth.example.com', name: 'Gatehouse', origins: ['https://auth.example.com'] };
export const ORIGIN = RP.origins[0]!;

export function testUser(id: string, username: string): User {
  // Through the schema, so fields added to users.json later get their defaults here too.
  return UserSchema.parse({ id, username, usernameKey: username, role: 'viewer', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
}

export const ALICE = testUser('alice-id-0001', 'alice');
export const BOB = testUser('bob-id-000002', 'bob');

export function newAuthenticator(options: { startCounter?: number; backupEligible?: boolean } = {}): SoftAuthenticator {
  return new SoftAuthenticator({ origin: ORIGIN, rpId: RP.id, ...options });
}

export function ceremonyHarness() {
  const clock = { now: Date.parse('2026-11-23T12:00:00Z') };
  const challenges = new ChallengeStore({ now: () => clock.now, random: systemRandom });
  const passkeys = new Map<string, PasskeyEntry>();
  const sessionOf = (user: User) => `session-of-${user.id}`;

  async function registrationOptions(user: User) {
    const issued = await challenges.issue({ ceremony: 'registration', purpose: 'register', userId: user.id, sessionId: sessionOf(user) });
    const options = await passkeyRegistrationOptions({ rp: RP, user, existing: [...passkeys.values()].filter((p) => p.userId === user.id), attachment: 'platform', challenge: issued.challenge, timeoutMs: 60_000 });
    return { ceremonyId: issued.ceremonyId, options };
  }

  /** Verifies an answer to a registration ceremony as `user`'s session would post it. */
  async function verifyRegistration(user: User, ceremonyId: string, response: unknown) {
    return verifyPasskeyRegistration({ response, ceremony: await challenges.take(ceremonyId), rp: RP, userId: user.id, sessionId: sessionOf(user), userHandle: userHandleOf(user) });
  }

  /** Registers `auth` for `user` and stores the passkey; fails the test when refused. */
  async function enrol(user: User, auth: SoftAuthenticator): Promise<PasskeyEntry> {
    const { ceremonyId, options } = await registrationOptions(user);
    const result = await verifyRegistration(user, ceremonyId, auth.register(options));
    if (!result.ok) throw new Error(`registration refused: ${result.code} ${result.detail ?? ''}`);
    const entry: PasskeyEntry = { ...result.credential, userId: user.id, name: 'Passkey', createdAt: new Date(clock.now).toISOString(), lastUsedAt: null };
    passkeys.set(entry.id, entry);
    return entry;
  }

  /** A discoverable sign-in (no user) or, with `user`, a second-factor ceremony for their session. */
  async function authenticationOptions(user?: User) {
    const issued = user
      ? await challenges.issue({ ceremony: 'authentication', purpose: 'second_factor', userId: user.id, sessionId: sessionOf(user) })
      : await challenges.issue({ ceremony: 'authentication', purpose: 'sign_in', userId: null, sessionId: null });
    const allowed = user ? [...passkeys.values()].filter((p) => p.userId === user.id) : undefined;
    const options = await passkeyAuthenticationOptions({ rp: RP, challenge: issued.challenge, timeoutMs: 60_000, ...(allowed ? { allowed } : {}) });
    return { ceremonyId: issued.ceremonyId, options };
  }

  /** Verifies an answer; on success stores the new counter as PasskeyService.recordUse would. */
  async function verifyAuthentication(ceremonyId: string, response: unknown, as?: { user: User; purposes?: CeremonyPurpose[] }) {
    const result = await verifyPasskeyAuthentication({
      response,
      ceremony: await challenges.take(ceremonyId),
      purposes: as?.purposes ?? (as ? ['second_factor'] : ['sign_in']),
      rp: RP,
      findPasskey: (id) => passkeys.get(id),
      session: as ? { userId: as.user.id, sessionId: sessionOf(as.user) } : null,
    });
    if (result.ok) passkeys.set(result.entry.id, { ...result.entry, counter: result.newCounter });
    return result;
  }

  /** Options → answer (with `tamper`) → verify, in one go. */
  async function signIn(auth: SoftAuthenticator, tamper: Tamper = {}, as?: { user: User }) {
    const { ceremonyId, options } = await authenticationOptions(as?.user);
    return verifyAuthentication(ceremonyId, auth.assert(options, tamper), as);
  }

  return { clock, challenges, passkeys, registrationOptions, verifyRegistration, enrol, authenticationOptions, verifyAuthentication, signIn };
}
