import { formatIssues } from './schema.js';
import { InvalidDocumentError, type DocumentCodec } from './document-store.js';
import type { DocumentBackend } from './document-backend.js';
import { documentsIn } from './file-documents.js';
import { CredentialsFileSchema, type CredentialsFile } from './mfa-schema.js';
import { WatchedDocument } from './watched-document.js';

export const CREDENTIALS_FILE = 'credentials.json';

export const credentialsCodec: DocumentCodec<CredentialsFile> = {
  decode: (raw, file) => {
    const result = CredentialsFileSchema.safeParse(raw);
    if (!result.success) throw new InvalidDocumentError(file, formatIssues(result.error));
    return result.data;
  },
  initial: () => ({ version: 1, totp: [], recovery: [], passkeys: [] }),
};

/** credentials.json: TOTP secrets (encrypted), recovery code hashes, passkeys. */
export class CredentialsStore extends WatchedDocument<CredentialsFile> {
  /** `where`: a data dir, or the backend chosen at boot. */
  constructor(where: string | DocumentBackend) {
    super(documentsIn(where).document(CREDENTIALS_FILE, credentialsCodec));
  }
}
