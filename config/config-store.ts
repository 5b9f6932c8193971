import { watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import { EventEmitter } from 'node:events';
import { ConfigSchema, formatIssues, type Config } from './schema.js';
import { migrateConfig, MigrationError } from './migrations.js';
import { firstRunConfig } from './defaults.js';
import { DocumentStore, InvalidDocumentError, type DocumentCodec } from './document-store.js';

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
  portalUrl?: string;
}

export interface ConfigStoreEvents {
  change: [config: Config];
  invalid: [error: InvalidDocumentError];
}

/**
 * config.json: settings a person may edit by hand. Hand edits are picked up
 * without a restart; an invalid edit is refused and the last good config kept.
 */
export class ConfigStore extends EventEmitter<ConfigStoreEvents> {
  private readonly doc: DocumentStore<Config>;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(private readonly options: ConfigStoreOptions) {
    super();
    const codec: DocumentCodec<Config> = {
      decode: decodeConfig,
      initial: () => ConfigSchema.parse(firstRunConfig(options.portalUrl)),
    };
    this.doc = new DocumentStore(join(options.dataDir, CONFIG_FILE), codec);
  }

  get file(): string {
    return this.doc.file;
  }

  get current(): Config {
    return this.doc.data;
  }

  open(): Promise<Config> {
    return this.doc.open();
  }

  /** Applies a change and notifies listeners. Throws InvalidDocumentError when the result is invalid. */
  async update(mutate: (config: Config) => Config | Promise<Config>): Promise<Config> {
    const before = JSON.stringify(this.doc.data);
    const next = await this.doc.update(mutate);
    if (JSON.stringify(next) !== before) this.emit('change', next);
    return next;
  }

  /** Re-reads config.json; emits `change` or `invalid`. */
  async reload(): Promise<void> {
    try {
      if (await this.doc.reload()) this.emit('change', this.doc.data);
    } catch (error) {
      if (error instanceof InvalidDocumentError) this.emit('invalid', error);
      else throw error;
    }
  }

  /** Watches the data dir (not the file: atomic renames replace its inode). */
  watch(): void {
    if (this.watcher) return;
    const name = basename(this.doc.file);
    this.watcher = watch(this.options.dataDir, (_event, filename) => {
      if (filename !== name) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.reload().catch((error) => this.emit('invalid', error)), 50);
    });
    this.watcher.unref();
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
