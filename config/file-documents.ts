import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { DocumentBackend, StoredDocument } from './document-backend.js';
import { DocumentStore, type DocumentCodec } from './document-store.js';

/** A document file that also notices edits made by someone else (a person with an editor, or the CLI). */
class FileDocument<T> extends DocumentStore<T> implements StoredDocument<T> {
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;

  get location(): string {
    return this.file;
  }

  /** Watches the directory (not the file: atomic renames replace its inode). */
  watch(onOutsideChange: () => void): void {
    if (this.watcher) return;
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), (_event, filename) => {
      if (filename !== name) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(onOutsideChange, 50);
    });
    this.watcher.unref();
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }
}

/** The embedded backend: each document is a JSON file in the data dir, for one Gatehouse process. */
export class FileDocuments implements DocumentBackend {
  readonly kind = 'embedded';

  constructor(readonly dataDir: string) {}

  document<T>(name: string, codec: DocumentCodec<T>): StoredDocument<T> {
    return new FileDocument(join(this.dataDir, name), codec);
  }
}

/** A store's constructor takes either a data dir (the embedded backend) or the backend chosen at boot. */
export function documentsIn(where: string | DocumentBackend): DocumentBackend {
  return typeof where === 'string' ? new FileDocuments(where) : where;
}
