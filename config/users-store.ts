import { join } from 'node:path';
import { formatIssues } from './schema.js';
import { InvalidDocumentError } from './document-store.js';
import { UsersFileSchema, type UsersFile } from './users-schema.js';
import { WatchedDocument } from './watched-document.js';

export const USERS_FILE = 'users.json';

export function decodeUsers(raw: unknown, file: string): UsersFile {
  const result = UsersFileSchema.safeParse(raw);
  if (!result.success) throw new InvalidDocumentError(file, formatIssues(result.error));
  return result.data;
}

/** users.json: local accounts, shared by the server and the CLI. */
export class UsersStore extends WatchedDocument<UsersFile> {
  constructor(dataDir: string) {
    super(join(dataDir, USERS_FILE), { decode: decodeUsers, initial: () => ({ version: 1, users: [] }) });
  }
}
