import type { PasskeyEntry } from '../../config/mfa-schema.js';
import type { User } from '../../config/users-schema.js';
import type { RelyingParty } from './relying-party.js';

export type Attachment = 'platform' | 'cross-platform';

/** The WebAuthn user handle of a local user: their opaque id, never the username. */
export function userHandleOf(user: User): string {
  return Buffer.from(user.id, 'utf8').toString('base64url');
}

/**
 * Options for navigator.credentials.create(): a discoverable credential (so
 * it can sign in without a username) with user verification required, on
 * this device (`platform`) or on a security key or phone (`cross-platform`).
 * The user's own passkeys are excluded, so one authenticator is not
 * registered twice. The caller must have stored `challenge` for this browser.
 */
export async function passkeyRegistrationOptions(input: {
  rp: RelyingParty;
  user: User;
  existing: readonly PasskeyEntry[];
  attachment: Attachment;
  challenge: string;
  timeoutMs: number;
}) {
  const { rp, user, existing, attachment } = input;
  const { generateRegistrationOptions } = await import('@simplewebauthn/server');
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userID: new Uint8Array(Buffer.from(userHandleOf(user), 'base64url')),
    userDisplayName: user.displayName || user.username,
    // Passed as bytes: a string would be taken as text and encoded once more.
    challenge: new Uint8Array(Buffer.from(input.challenge, 'base64url')),
    timeout: input.timeoutMs,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required', authenticatorAttachment: attachment },
    preferredAuthenticatorType: attachment === 'platform' ? 'localDevice' : 'securityKey',
  });
}
