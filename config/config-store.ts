import { join } from 'node:path';
import { ConfigSchema, formatIssues, type Config } from './schema.js';
import { migrateConfig, MigrationError } from './migrations.js';
import { firstRunConfig } from './defaults.js';
import { InvalidDocumentError } from './document-store.js';
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

export interface ConfigStoreOptions {
  dataDir: string;
  /** Used only to derive the first-run protected domain. */
  portalUrl?: string | undefined;
}

/**
 * config.json: settings a person may edit by hand. Hand edits are picked up
 * without a restart; an invalid edit is refused and the last good config kept.
 */
export class ConfigStore extends WatchedDocument<Config> {
  constructor(options: ConfigStoreOptions) {
    super(join(options.dataDir, CONFIG_FILE), {
      decode: decodeConfig,
      initial: () => ConfigSchema.parse(firstRunConfig(options.portalUrl)),
    });
  }
}
