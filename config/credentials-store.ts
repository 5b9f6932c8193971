import type { DocumentCodec } from './document-store.js';
import { schemaCodec } from './schema-codec.js';
import type { DocumentBackend } from './document-backend.js';
import { documentsIn } from './file-documents.js';
import { CredentialsFileSchema, type CredentialsFile } from './mfa-schema.js';
import { WatchedDocument } from './watched-document.js';

export const CREDENTIALS_FILE = 'credentials.json';

export const credentialsCodec: DocumentCodec<CredentialsFile> = schemaCodec(CredentialsFileSchema, () => ({ version: 1, totp: [], recovery: [], passkeys: [] }));

/** credentials.json: TOTP secrets (encrypted), recovery code hashes, passkeys. */
export class CredentialsStore extends WatchedDocument<CredentialsFile> {
  /** `where`: a data dir, or the backend chosen at boot. */
  constructor(where: string | DocumentBackend) {
    super(documentsIn(where).document(CREDENTIALS_FILE, credentialsCodec));
  }
}
