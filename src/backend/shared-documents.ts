import { CONFIG_FILE, configCodec } from '../../config/config-store.js';
import { CREDENTIALS_FILE, credentialsCodec } from '../../config/credentials-store.js';
import type { DocumentCodec } from '../../config/document-store.js';
import { TOKENS_FILE, tokensCodec } from '../../config/tokens-store.js';
import { USERS_FILE, usersCodec } from '../../config/users-store.js';

export interface SharedDocument {
  readonly name: string;
  readonly codec: DocumentCodec<unknown>;
}

/**
 * The documents every replica shares through the document backend, as the
 * data dir names them: what a first start against an empty Redis imports.
 * (Bans, sessions, the audit log and one-time values have stores of their own.)
 */
export function sharedDocuments(portalUrl?: string): SharedDocument[] {
  return [
    { name: CONFIG_FILE, codec: configCodec(portalUrl) },
    { name: USERS_FILE, codec: usersCodec },
    { name: CREDENTIALS_FILE, codec: credentialsCodec },
    { name: TOKENS_FILE, codec: tokensCodec },
  ] as SharedDocument[];
}
