import { z } from 'zod';

const B64Url = z.string().min(1).max(65_536).regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

/**
 * The JSON @simplewebauthn/browser posts back. Only the shape is checked here;
 * meaning (challenge, origin, signature…) is the verify functions' job.
 */
export const RegistrationResponseSchema = z.looseObject({
  id: B64Url,
  rawId: B64Url,
  type: z.literal('public-key'),
  response: z.looseObject({
    clientDataJSON: B64Url,
    attestationObject: B64Url,
    transports: z.array(z.string().max(32)).max(10).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.looseObject({}).default({}),
});
export type RegistrationResponse = z.infer<typeof RegistrationResponseSchema>;

export const AuthenticationResponseSchema = z.looseObject({
  id: B64Url,
  rawId: B64Url,
  type: z.literal('public-key'),
  response: z.looseObject({
    clientDataJSON: B64Url,
    authenticatorData: B64Url,
    signature: B64Url,
    userHandle: B64Url.nullish(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.looseObject({}).default({}),
});
export type AuthenticationResponse = z.infer<typeof AuthenticationResponseSchema>;
