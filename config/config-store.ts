import { ConfigSchema, formatIssues, type Config } from './schema.js';
import { migrateConfig, MigrationError } from './migrations.js';
import { firstRunConfig } from './defaults.js';
import { InvalidDocumentError, type DocumentCodec } from './document-store.js';
import type { DocumentBackend } from './document-backend.js';
import { documentsIn } from './file-documents.js';
import { WatchedDocument } from './watched-document.js';

export const CONFIG_FILE = 'config.json';

export function decodeConfig(raw: unknown, file: string): Config {
  let migrated: unknown;
  try {
    migrated = migrateConfig(raw).value;
  } catch (error) {
    if (error instanceof MigrationError) throw new InvalidDocumentError(file, [`version: ${error.message}`]);
    throw error;
  }
  const result = ConfigSchema.safeParse(migrated);
  if (!result.success) throw new InvalidDocumentError(file, formatIssues(result.error));
  return result.data;
}

/** How config.json is read and written wherever it is stored. */
export function configCodec(portalUrl?: string): DocumentCodec<Config> {
  return { decode: decodeConfig, initial: () => ConfigSchema.parse(firstRunConfig(portalUrl)) };
}

export interface ConfigStoreOptions {
  dataDir: string;
  /** Where the documents live (default: files in `dataDir`). Every other store follows the config's backend. */
  documents?: DocumentBackend | undefined;
  /** Used only to derive the first-run protected domain. */
  portalUrl?: string | undefined;
}

/**
 * config.json: settings a person may edit by hand. Hand edits are picked up
 * without a restart; an invalid edit is refused and the last good config kept.
 */
export class ConfigStore extends WatchedDocument<Config> {
  /** The backend chosen at boot; the account services open their documents in it too. */
  readonly documents: DocumentBackend;

  constructor(options: ConfigStoreOptions) {
    const documents = options.documents ?? documentsIn(options.dataDir);
    super(documents.document(CONFIG_FILE, configCodec(options.portalUrl)));
    this.documents = documents;
  }
}
