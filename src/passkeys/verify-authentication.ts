import type { verifyAuthenticationResponse as VerifyAuthenticationResponse } from '@simplewebauthn/server';
import type { PasskeyEntry } from '../../config/mfa-schema.js';
import { checkAuthenticatorData, checkClientData, checkPending, isFailure } from './ceremony-checks.js';
import type { CeremonyPurpose, TakenCeremony } from './challenge-store.js';
import { passkeyFailure, type PasskeyFailure } from './passkey-errors.js';
import { counterRegressed } from './passkey-service.js';
import type { RelyingParty } from './relying-party.js';
import { AuthenticationResponseSchema } from './response-schema.js';

/**
 * RFC 8176 amr for a passkey: `hwk` when the key is bound to one
 * authenticator (single-device: a security key, a TPM, a phone's secure
 * element), `swk` when it is a synced passkey (backup eligible) whose private
 * key also lives in a cloud keychain, i.e. is protected by software.
 */
export function passkeyAmr(deviceType: PasskeyEntry['deviceType']): 'hwk' | 'swk' {
  return deviceType === 'multiDevice' ? 'swk' : 'hwk';
}

export type AuthenticationResult =
  | {
      readonly ok: true;
      readonly entry: PasskeyEntry;
      readonly newCounter: number;
      readonly backedUp: boolean;
      readonly amr: 'hwk' | 'swk';
      readonly purpose: CeremonyPurpose;
    }
  | PasskeyFailure;

/**
 * Verifies the browser's answer to passkeyAuthenticationOptions().
 *
 * `ceremony` is what ChallengeStore.take() returned for this browser's
 * ceremony cookie (taken, so single use). A ceremony made for a user (second
 * factor, step-up) must be answered from the same session, with one of that
 * user's passkeys; a discoverable sign-in accepts any user's passkey, whose
 * user handle must match the stored one.
 *
 * On success the caller must store `newCounter` with PasskeyService.recordUse()
 * (which checks the counter again inside the write) before trusting the result.
 */
export async function verifyPasskeyAuthentication(input: {
  response: unknown;
  ceremony: TakenCeremony;
  purposes: readonly CeremonyPurpose[];
  rp: RelyingParty;
  findPasskey: (credentialId: string) => PasskeyEntry | undefined;
  /** The session answering; null when none (a sign-in). */
  session: { readonly userId: string; readonly sessionId: string } | null;
}): Promise<AuthenticationResult> {
  const { rp } = input;
  const pending = checkPending(input.ceremony, 'authentication', input.purposes);
  if (isFailure(pending)) return pending;
  if (pending.userId !== null && (pending.userId !== input.session?.userId || pending.sessionId !== input.session.sessionId)) {
    return passkeyFailure('challenge_unknown', 'ceremony started by another session');
  }

  const parsed = AuthenticationResponseSchema.safeParse(input.response);
  if (!parsed.success) return passkeyFailure('invalid_response', 'not an authentication response');
  const response = parsed.data;
  if (response.id !== response.rawId) return passkeyFailure('invalid_response', 'id and rawId differ');

  const clientData = checkClientData(response.response.clientDataJSON, { type: 'webauthn.get', challenge: pending.challenge, rp });
  if (isFailure(clientData)) return clientData;

  const entry = input.findPasskey(response.id);
  if (!entry) return passkeyFailure('passkey_removed', `credential ${response.id.slice(0, 12)}`);
  if (pending.userId !== null && entry.userId !== pending.userId) return passkeyFailure('wrong_user', 'passkey of another user');
  if (response.response.userHandle && response.response.userHandle !== entry.userHandle) return passkeyFailure('wrong_user', 'user handle does not match the passkey');

  const authData = await checkAuthenticatorData(new Uint8Array(Buffer.from(response.response.authenticatorData, 'base64url')), rp);
  if (isFailure(authData)) return authData;
  if (counterRegressed(entry.counter, authData.counter)) return passkeyFailure('counter_regression', `stored ${entry.counter}, presented ${authData.counter}`);

  let verification;
  try {
    const { verifyAuthenticationResponse } = await import('@simplewebauthn/server');
    verification = await verifyAuthenticationResponse({
      response: response as Parameters<typeof VerifyAuthenticationResponse>[0]['response'],
      expectedChallenge: pending.challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      expectedType: 'webauthn.get',
      credential: { id: entry.id, publicKey: new Uint8Array(Buffer.from(entry.publicKey, 'base64url')), counter: entry.counter, transports: [...entry.transports] },
      requireUserVerification: true,
    });
  } catch (error) {
    return passkeyFailure('invalid_response', (error as Error).message);
  }
  if (!verification.verified) return passkeyFailure('invalid_response', 'signature not verified');
  const info = verification.authenticationInfo;
  return { ok: true, entry, newCounter: info.newCounter, backedUp: info.credentialBackedUp, amr: passkeyAmr(info.credentialDeviceType), purpose: pending.purpose };
}
