import { z } from 'zod';

/** AES-256-GCM ciphertext: see src/crypto/secret-box.ts. */
export const SealedSchema = z.strictObject({ iv: z.string(), tag: z.string(), data: z.string() });
export type Sealed = z.infer<typeof SealedSchema>;

export const TotpEntrySchema = z.strictObject({
  userId: z.string(),
  secret: SealedSchema,
  /** Null until the user confirms with a code: an unconfirmed TOTP never counts. */
  confirmedAt: z.string().nullable(),
  createdAt: z.string(),
  /** The last time step accepted: a code from this step or earlier is a replay. */
  lastStep: z.number().int().default(0),
});
export type TotpEntry = z.infer<typeof TotpEntrySchema>;

export const RecoveryEntrySchema = z.strictObject({
  userId: z.string(),
  /** argon2id hashes of the unused codes. */
  hashes: z.array(z.string()),
  createdAt: z.string(),
});
export type RecoveryEntry = z.infer<typeof RecoveryEntrySchema>;

/**
 * One WebAuthn credential (passkey or security key). Binary values are
 * base64url. `userId` ties it to exactly one local user: status, reset and
 * user deletion all find a user's passkeys by it.
 */
export const PasskeyEntrySchema = z.strictObject({
  /** The credential id the authenticator chose; unique across all users. */
  id: z.string().regex(/^[A-Za-z0-9_-]{16,1366}$/),
  userId: z.string(),
  /** The WebAuthn user handle given at registration: returned by discoverable sign-in. */
  userHandle: z.string().regex(/^[A-Za-z0-9_-]+$/),
  /** COSE public key. */
  publicKey: z.string().regex(/^[A-Za-z0-9_-]+$/),
  /** Signature counter last seen; 0 when the authenticator keeps none. */
  counter: z.number().int().min(0),
  transports: z.array(z.string().max(32)).max(10).default([]),
  /** multiDevice: a synced passkey (backup eligible); singleDevice: bound to one authenticator. */
  deviceType: z.enum(['singleDevice', 'multiDevice']),
  backedUp: z.boolean(),
  /** 'platform' (this device), 'cross-platform' (security key, phone) or null when the browser did not say. */
  attachment: z.enum(['platform', 'cross-platform']).nullable().default(null),
  aaguid: z.string().default('00000000-0000-0000-0000-000000000000'),
  /** The RP ID it was registered for: a domain change leaves it unusable (see README). */
  rpId: z.string(),
  name: z.string().min(1).max(64),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().default(null),
});
export type PasskeyEntry = z.infer<typeof PasskeyEntrySchema>;

/** credentials.json: second factors, beside users.json. */
export const CredentialsFileSchema = z.strictObject({
  version: z.literal(1),
  totp: z.array(TotpEntrySchema).default([]),
  recovery: z.array(RecoveryEntrySchema).default([]),
  passkeys: z.array(PasskeyEntrySchema).default([]),
}).superRefine((doc, ctx) => {
  // A credential id names one key pair, so it can belong to one user only.
  const seen = new Set<string>();
  doc.passkeys.forEach((p, i) => {
    if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['passkeys', i, 'id'], message: 'duplicate passkey credential id' });
    seen.add(p.id);
  });
});
export type CredentialsFile = z.infer<typeof CredentialsFileSchema>;
