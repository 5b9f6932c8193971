import { z } from 'zod';
import { ROLES } from '../strategies/types.js';
import type { DocumentCodec } from './document-store.js';
import { schemaCodec } from './schema-codec.js';
import type { DocumentBackend } from './document-backend.js';
import { documentsIn } from './file-documents.js';
import { WatchedDocument } from './watched-document.js';
import { isHostname } from './hostname.js';

export const ApiTokenSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  userId: z.string(),
  name: z.string().min(1).max(100),
  /** sha256 hex of the token's secret part; the token itself is shown once and never stored. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  role: z.enum(ROLES),
  domains: z.array(z.string().refine(isHostname, 'must be a host name')).optional(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;

export const TokensFileSchema = z.strictObject({ version: z.literal(1), tokens: z.array(ApiTokenSchema).default([]) });
export type TokensFile = z.infer<typeof TokensFileSchema>;

export const TOKENS_FILE = 'tokens.json';

export const tokensCodec: DocumentCodec<TokensFile> = schemaCodec(TokensFileSchema, () => ({ version: 1, tokens: [] }));

/** tokens.json: API tokens for scripts, beside users.json. */
export class TokensStore extends WatchedDocument<TokensFile> {
  /** `where`: a data dir, or the backend chosen at boot. */
  constructor(where: string | DocumentBackend) {
    super(documentsIn(where).document(TOKENS_FILE, tokensCodec));
  }
}
