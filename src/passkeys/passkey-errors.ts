/**
 * Every way a passkey ceremony can be refused, with the text the page shows.
 * Codes are stable (the page script and tests match on them); the texts tell
 * the cases apart so a person knows what to do next.
 */
export const PASSKEY_ERRORS = {
  no_passkey: 'You have no passkey for this site yet. Sign in another way, then add one on your profile.',
  passkey_removed: 'This passkey was removed from Gatehouse. Remove it from your device too (in your browser, phone or password manager settings), then sign in with your password.',
  origin_mismatch: 'This passkey answer came from a page at another address than the portal. Open the portal’s own address and try again.',
  rp_mismatch: 'This passkey belongs to another site (its RP ID does not match this Gatehouse).',
  challenge_unknown: 'This passkey request is unknown or was already used. Start again.',
  challenge_expired: 'This passkey request expired (after 5 minutes). Start again.',
  wrong_ceremony: 'This passkey answer is for another step. Start again.',
  wrong_type: 'This passkey answer is of the wrong kind (a registration used to sign in, or the reverse).',
  user_verification_required: 'Your passkey did not verify you (no fingerprint, face, PIN or screen lock). Use a passkey that asks for one.',
  counter_regression: 'This passkey’s use counter went backwards: the key may have been copied. It was refused; tell your administrator.',
  wrong_user: 'This passkey belongs to another account.',
  already_registered: 'This passkey is already registered.',
  invalid_response: 'The passkey answer could not be verified.',
  account_disabled: 'This account is disabled.',
  unsupported_mode: 'Passkeys work only with local accounts (userPassword mode).',
  session_required: 'Sign in first.',
  not_found: 'No such passkey.',
  invalid_name: 'A passkey name is 1 to 64 characters, without control characters.',
} as const;

export type PasskeyErrorCode = keyof typeof PASSKEY_ERRORS;

/** A refused ceremony as a value: expected failures are results, not exceptions. */
export interface PasskeyFailure {
  readonly ok: false;
  readonly code: PasskeyErrorCode;
  /** For logs and audit only (may name origins, counters); never shown as is. */
  readonly detail?: string;
}

export function passkeyFailure(code: PasskeyErrorCode, detail?: string): PasskeyFailure {
  return detail === undefined ? { ok: false, code } : { ok: false, code, detail };
}
