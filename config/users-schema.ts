import { z } from 'zod';
import { ROLES } from '../strategies/types.js';

/** users.json: local accounts. Lives beside config.json, never inside it. */
export const UserSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  /** As the person typed it at creation (shown in the UI and Remote-User). */
  username: z.string().min(1).max(64),
  /** NFKC + case-folded: what uniqueness and login compare. */
  usernameKey: z.string().min(1).max(64),
  displayName: z.string().max(128).default(''),
  email: z.string().max(254).default(''),
  role: z.enum(ROLES),
  /** bcrypt of base64(sha256(password)): see src/users/password-hasher.ts. Empty: no password set. */
  passwordHash: z.string().default(''),
  disabled: z.boolean().default(false),
  requires2fa: z.boolean().default(false),
  /**
   * Set by `gatehouse recover`: the password was printed on a terminal. It is
   * one-time: it signs in once, through the portal form only, into a session
   * that can do nothing but set a new password.
   */
  mustChangePassword: z.boolean().default(false),
  /**
   * When that one sign-in happened (written in the same update that lets it
   * through, so two parallel logins can't both use it). While set, the
   * printed password verifies nowhere; setting a new password clears it.
   */
  oneTimePasswordUsedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  passwordChangedAt: z.string().optional(),
});
export type User = z.infer<typeof UserSchema>;

export const UsersFileSchema = z
  .strictObject({
    version: z.literal(1),
    users: z.array(UserSchema).default([]),
  })
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.users.forEach((user, i) => {
      if (seen.has(user.usernameKey)) ctx.addIssue({ code: 'custom', path: ['users', i, 'username'], message: `duplicate username ${user.username}` });
      seen.add(user.usernameKey);
    });
  });
export type UsersFile = z.infer<typeof UsersFileSchema>;
