import type { verifyRegistrationResponse as VerifyRegistrationResponse } from '@simplewebauthn/server';
import { checkAuthenticatorData, checkClientData, checkPending, isFailure } from './ceremony-checks.js';
import type { TakenCeremony } from './challenge-store.js';
import { passkeyFailure, type PasskeyFailure } from './passkey-errors.js';
import type { NewPasskey } from './passkey-service.js';
import type { RelyingParty } from './relying-party.js';
import { RegistrationResponseSchema } from './response-schema.js';

export type RegistrationResult = { readonly ok: true; readonly credential: NewPasskey } | PasskeyFailure;

const KNOWN_TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/**
 * Verifies the browser's answer to passkeyRegistrationOptions().
 *
 * `ceremony` is what ChallengeStore.take() returned for this browser's
 * ceremony cookie: taking it is what makes the challenge single use, so the
 * caller takes it before calling, whatever happens next. The ceremony must
 * have been started by `userId` in session `sessionId`.
 *
 * On success the caller must store `credential` with PasskeyService.add(),
 * which refuses a credential id that any user already has.
 */
export async function verifyPasskeyRegistration(input: {
  response: unknown;
  ceremony: TakenCeremony;
  rp: RelyingParty;
  userId: string;
  sessionId: string;
  userHandle: string;
}): Promise<RegistrationResult> {
  const { rp } = input;
  const pending = checkPending(input.ceremony, 'registration', ['register']);
  if (isFailure(pending)) return pending;
  if (pending.userId !== input.userId || pending.sessionId !== input.sessionId) return passkeyFailure('challenge_unknown', 'ceremony started by another session');

  const parsed = RegistrationResponseSchema.safeParse(input.response);
  if (!parsed.success) return passkeyFailure('invalid_response', 'not a registration response');
  const response = parsed.data;
  if (response.id !== response.rawId) return passkeyFailure('invalid_response', 'id and rawId differ');

  const clientData = checkClientData(response.response.clientDataJSON, { type: 'webauthn.create', challenge: pending.challenge, rp });
  if (isFailure(clientData)) return clientData;

  // The WebAuthn library is loaded with the first ceremony, not by every idle instance.
  const [{ verifyRegistrationResponse }, { decodeAttestationObject }] = await Promise.all([import('@simplewebauthn/server'), import('@simplewebauthn/server/helpers')]);
  let authData: Uint8Array<ArrayBuffer>;
  try {
    authData = decodeAttestationObject(new Uint8Array(Buffer.from(response.response.attestationObject, 'base64url'))).get('authData');
  } catch (error) {
    return passkeyFailure('invalid_response', `attestation object: ${(error as Error).message}`);
  }
  const flags = await checkAuthenticatorData(authData, rp);
  if (isFailure(flags)) return flags;

  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: response as Parameters<typeof VerifyRegistrationResponse>[0]['response'],
      expectedChallenge: pending.challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: true,
    });
  } catch (error) {
    return passkeyFailure('invalid_response', (error as Error).message);
  }
  if (!verification.verified) return passkeyFailure('invalid_response', 'registration not verified');
  const info = verification.registrationInfo;
  if (info.credential.id !== response.id) return passkeyFailure('invalid_response', 'credential id differs from the response id');

  return {
    ok: true,
    credential: {
      id: info.credential.id,
      userHandle: input.userHandle,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: (response.response.transports ?? []).filter((t) => KNOWN_TRANSPORTS.has(t)),
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      attachment: response.authenticatorAttachment ?? null,
      aaguid: info.aaguid,
      rpId: rp.id,
    },
  };
}
