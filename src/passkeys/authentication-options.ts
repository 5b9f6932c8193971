import type { PasskeyEntry } from '../../config/mfa-schema.js';
import type { RelyingParty } from './relying-party.js';

/**
 * Options for navigator.credentials.get(). With no `allowed` passkeys it is a
 * discoverable sign-in: the browser offers every passkey it holds for the RP
 * ID (the button, or autofill with conditional UI). With a user's passkeys it
 * is a second factor or step-up for that user. User verification is always
 * required: a passkey that only proves presence is not a second factor.
 */
export async function passkeyAuthenticationOptions(input: { rp: RelyingParty; challenge: string; timeoutMs: number; allowed?: readonly PasskeyEntry[] }) {
  const { generateAuthenticationOptions } = await import('@simplewebauthn/server');
  return generateAuthenticationOptions({
    rpID: input.rp.id,
    challenge: new Uint8Array(Buffer.from(input.challenge, 'base64url')),
    timeout: input.timeoutMs,
    userVerification: 'required',
    ...(input.allowed ? { allowCredentials: input.allowed.map((p) => ({ id: p.id, transports: p.transports })) } : {}),
  });
}
