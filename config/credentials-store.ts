import { join } from 'node:path';
import { formatIssues } from './schema.js';
import { InvalidDocumentError } from './document-store.js';
import { CredentialsFileSchema, type CredentialsFile } from './mfa-schema.js';
import { WatchedDocument } from './watched-document.js';

export const CREDENTIALS_FILE = 'credentials.json';

/** credentials.json: TOTP secrets (encrypted), recovery code hashes, passkeys. */
export class CredentialsStore extends WatchedDocument<CredentialsFile> {
  constructor(dataDir: string) {
    super(join(dataDir, CREDENTIALS_FILE), {
      decode: (raw, file) => {
        const result = CredentialsFileSchema.safeParse(raw);
        if (!result.success) throw new InvalidDocumentError(file, formatIssues(result.error));
        return result.data;
      },
      initial: () => ({ version: 1, totp: [], recovery: [], passkeys: [] }),
    });
  }
}
