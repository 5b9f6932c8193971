import type { DocumentCodec } from './document-store.js';
import type { DocumentBackend } from './document-backend.js';
import { documentsIn } from './file-documents.js';
import { schemaCodec } from './schema-codec.js';
import { UsersFileSchema, type UsersFile } from './users-schema.js';
import { WatchedDocument } from './watched-document.js';

export const USERS_FILE = 'users.json';

export const usersCodec: DocumentCodec<UsersFile> = schemaCodec(UsersFileSchema, () => ({ version: 1, users: [] }));

/** users.json: local accounts, shared by the server and the CLI. */
export class UsersStore extends WatchedDocument<UsersFile> {
  /** `where`: a data dir, or the backend chosen at boot. */
  constructor(where: string | DocumentBackend) {
    super(documentsIn(where).document(USERS_FILE, usersCodec));
  }
}
