import { createHash, timingSafeEqual } from 'node:crypto';
import type { ParsedAuthenticatorData } from '@simplewebauthn/server/helpers';
import type { Ceremony, CeremonyPurpose, PendingCeremony, TakenCeremony } from './challenge-store.js';
import { passkeyFailure, type PasskeyFailure } from './passkey-errors.js';
import type { RelyingParty } from './relying-party.js';

/**
 * Checks both verify functions run before handing a response to
 * @simplewebauthn/server. The library checks the same things again (and the
 * signature); doing them here first gives each refusal its own code, so the
 * page can say what went wrong and the audit log can say which attack it was.
 */

/** The ceremony the browser's cookie pointed at, if it is live and of the expected kind. */
export function checkPending(taken: TakenCeremony, ceremony: Ceremony, purposes: readonly CeremonyPurpose[]): PendingCeremony | PasskeyFailure {
  if (!taken.found) return passkeyFailure('challenge_unknown');
  if (taken.expired) return passkeyFailure('challenge_expired');
  const { pending } = taken;
  if (pending.ceremony !== ceremony || !purposes.includes(pending.purpose)) return passkeyFailure('wrong_ceremony', `${pending.ceremony}/${pending.purpose}`);
  return pending;
}

export interface ClientData {
  readonly type: string;
  readonly challenge: string;
  readonly origin: string;
  readonly crossOrigin: boolean;
}

/** Parses clientDataJSON and checks type, challenge and origin, in that order. */
export function checkClientData(clientDataJSON: string, expected: { type: 'webauthn.create' | 'webauthn.get'; challenge: string; rp: RelyingParty }): ClientData | PasskeyFailure {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
  } catch {
    return passkeyFailure('invalid_response', 'clientDataJSON is not JSON');
  }
  const data = parsed as Partial<Record<keyof ClientData, unknown>>;
  if (typeof data.type !== 'string' || typeof data.challenge !== 'string' || typeof data.origin !== 'string') {
    return passkeyFailure('invalid_response', 'clientDataJSON lacks type, challenge or origin');
  }
  if (data.type !== expected.type) return passkeyFailure('wrong_type', `clientData type ${data.type}`);
  if (!sameString(data.challenge, expected.challenge)) return passkeyFailure('challenge_unknown', 'challenge does not match the ceremony');
  if (!expected.rp.origins.includes(data.origin)) return passkeyFailure('origin_mismatch', `origin ${data.origin}`);
  // An answer made inside a cross-origin iframe is never one of Gatehouse's own pages.
  if (data.crossOrigin === true) return passkeyFailure('origin_mismatch', 'crossOrigin');
  return { type: data.type, challenge: data.challenge, origin: data.origin, crossOrigin: false };
}

/** Parses authenticator data and checks the RP ID hash and the UP and UV flags. */
export async function checkAuthenticatorData(authData: Uint8Array<ArrayBuffer>, rp: RelyingParty): Promise<ParsedAuthenticatorData | PasskeyFailure> {
  const { parseAuthenticatorData } = await import('@simplewebauthn/server/helpers');
  let parsed: ParsedAuthenticatorData;
  try {
    parsed = parseAuthenticatorData(authData);
  } catch (error) {
    return passkeyFailure('invalid_response', `authenticator data: ${(error as Error).message}`);
  }
  const expected = createHash('sha256').update(rp.id, 'utf8').digest();
  if (parsed.rpIdHash.length !== expected.length || !timingSafeEqual(Buffer.from(parsed.rpIdHash), expected)) return passkeyFailure('rp_mismatch');
  if (!parsed.flags.up) return passkeyFailure('user_verification_required', 'user presence flag not set');
  if (!parsed.flags.uv) return passkeyFailure('user_verification_required', 'user verification flag not set');
  return parsed;
}

export function isFailure<T extends object>(value: T | PasskeyFailure): value is PasskeyFailure {
  return 'ok' in value && value.ok === false;
}

function sameString(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
