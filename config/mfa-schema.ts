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

/** credentials.json: second factors, beside users.json. */
export const CredentialsFileSchema = z.strictObject({
  version: z.literal(1),
  totp: z.array(TotpEntrySchema).default([]),
  recovery: z.array(RecoveryEntrySchema).default([]),
  passkeys: z.array(z.unknown()).default([]),
});
export type CredentialsFile = z.infer<typeof CredentialsFileSchema>;
