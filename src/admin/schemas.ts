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
