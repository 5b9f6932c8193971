import { z } from 'zod';
import { ROLES, AUTH_MODES } from '../../strategies/types.js';
import { RuleSchema, POLICIES } from '../../config/schema.js';
import { isDuration } from '../../config/duration.js';
import { isCidr } from '../../config/network.js';

/** Request bodies of the admin API. Strict: an unknown field is a 400, never silently ignored. */

export const CreateUserBody = z.strictObject({
  username: z.string().min(1).max(64),
  role: z.enum(ROLES),
  password: z.string().min(1).max(1024).optional(),
  displayName: z.string().max(128).optional(),
  email: z.string().max(254).optional(),
});

export const UpdateUserBody = z.strictObject({
  role: z.enum(ROLES).optional(),
  disabled: z.boolean().optional(),
  requires2fa: z.boolean().optional(),
  displayName: z.string().max(128).optional(),
  email: z.string().max(254).optional(),
});

export const PasswordBody = z.strictObject({ password: z.string().min(1).max(1024) });

export const RulesBody = z.strictObject({ rules: z.array(RuleSchema), defaultPolicy: z.enum(POLICIES).optional() });

export const TryRequestBody = z.strictObject({
  url: z.string().min(1).max(4096),
  method: z.string().regex(/^[A-Z]{1,16}$/).default('GET'),
  /** A username, or omitted for an anonymous request. */
  user: z.string().min(1).max(64).optional(),
  clientIp: z.string().refine((v) => isCidr(v) && !v.includes('/'), 'an IP address').default('203.0.113.1'),
  /** Assume the session has passed a second factor. */
  secondFactor: z.boolean().default(false),
});

export const ModeSwitchBody = z.strictObject({
  mode: z.enum(AUTH_MODES),
  /** Typed confirmation, required to switch to open mode: the word "open". */
  confirmation: z.string().optional(),
});

export const SecurityBody = z.strictObject({
  requireTfaForAdmin: z.boolean().optional(),
  stepUpWindow: z.string().refine(isDuration, 'a duration like 10m').optional(),
  regulation: z
    .strictObject({
      maxRetries: z.number().int().min(1).max(100).optional(),
      findTime: z.string().refine(isDuration, 'a duration').optional(),
      banTime: z.string().refine(isDuration, 'a duration').optional(),
    })
    .optional(),
  session: z
    .strictObject({
      ttl: z.string().refine(isDuration, 'a duration').optional(),
      idle: z.string().refine(isDuration, 'a duration').optional(),
    })
    .optional(),
});

export const UnbanBody = z.strictObject({ subject: z.string().min(1).max(256) });

export const RequireTwoFactorBody = z.strictObject({ required: z.boolean() });

/** For writes that take no fields (confirm, reset 2FA, new instance token): `{}`, nothing else. */
export const EmptyBody = z.strictObject({});

// ------------------------------------------------------------------ OIDC (Settings → OIDC)

const GroupValues = z.array(z.string().min(1).max(256)).max(100);

/** The group → role mapping fields, as the preview may override them. */
const OidcMappingFields = {
  adminGroupClaim: z.string().min(1).max(256).optional(),
  adminGroupValues: GroupValues.optional(),
  editorGroupValues: GroupValues.optional(),
  fallbackRole: z.enum([...ROLES, 'deny']).optional(),
};

/**
 * The oauth2 settings. An omitted field keeps its saved value (or the default
 * on first setup); the result is validated again by the config schema.
 * `clientSecret` is write-only: omitted keeps the stored one, '' or null
 * clears it (a public client).
 */
export const OidcSettingsBody = z.strictObject({
  issuerUrl: z.string().min(1).max(2048).optional(),
  clientId: z.string().min(1).max(256).optional(),
  clientSecret: z.string().max(4096).nullable().optional(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'a scope name without spaces or quotes')).min(1).max(32).optional(),
  ...OidcMappingFields,
  allowLocalAdmins: z.boolean().optional(),
});

/** Discovery against these provider settings, or the saved ones for `{}`. No secret: discovery does not use it. */
export const OidcDiscoveryBody = z.strictObject({
  issuerUrl: z.string().min(1).max(2048).optional(),
  clientId: z.string().min(1).max(256).optional(),
});

/** A sample claim set, mapped with the saved mapping (fields given here override it). */
export const OidcPreviewBody = z.strictObject({
  claims: z.record(z.string().max(256), z.unknown()),
  mapping: z.strictObject(OidcMappingFields).optional(),
});
