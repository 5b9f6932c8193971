import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { EventEmitter } from 'node:events';
import { DocumentStore, InvalidDocumentError, type DocumentCodec } from './document-store.js';

export interface WatchedDocumentEvents<T> {
  change: [doc: T, previous: T];
  invalid: [error: InvalidDocumentError];
}

/**
 * A DocumentStore that also notices edits made by someone else (a person
 * with an editor, or the CLI): the new document is validated and either put
 * in force (`change`) or refused with the last good one kept (`invalid`).
 */
export class WatchedDocument<T> extends EventEmitter<WatchedDocumentEvents<T>> {
  private readonly doc: DocumentStore<T>;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(file: string, codec: DocumentCodec<T>) {
    super();
    this.doc = new DocumentStore(file, codec);
  }

  get file(): string {
    return this.doc.file;
  }

  get current(): T {
    return this.doc.data;
  }

  open(): Promise<T> {
    return this.doc.open();
  }

  /** Applies a change and notifies listeners. Throws InvalidDocumentError when the result is invalid. */
  async update(mutate: (doc: T) => T | Promise<T>): Promise<T> {
    // Read when the update runs, not when it was queued: behind other updates,
    // the document in memory now is the one this update replaces.
    let previous = this.doc.data;
    const next = await this.doc.update((current) => {
      previous = this.doc.data;
      return mutate(current);
    });
    if (JSON.stringify(next) !== JSON.stringify(previous)) this.emit('change', next, previous);
    return next;
  }

  /** Re-reads the file; emits `change` or `invalid`. */
  async reload(): Promise<void> {
    let previous = this.doc.data;
    try {
      if (await this.doc.reload((replaced) => (previous = replaced))) this.emit('change', this.doc.data, previous);
    } catch (error) {
      if (error instanceof InvalidDocumentError) this.emit('invalid', error);
      else this.emit('invalid', new InvalidDocumentError(this.file, [`(root): ${(error as Error).message}`]));
    }
  }

  /** Watches the directory (not the file: atomic renames replace its inode). */
  watch(): void {
    if (this.watcher) return;
    const name = basename(this.doc.file);
    this.watcher = watch(dirname(this.doc.file), (_event, filename) => {
      if (filename !== name) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.reload(), 50);
    });
    this.watcher.unref();
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
