import { EventEmitter } from 'node:events';
import type { StoredDocument } from './document-backend.js';
import { InvalidDocumentError } from './document-store.js';

export interface WatchedDocumentEvents<T> {
  change: [doc: T, previous: T];
  invalid: [error: InvalidDocumentError];
}

/**
 * A stored document (file or Redis key) that also notices changes made by
 * someone else (a person with an editor, the CLI, another replica): the new
 * document is validated and either put in force (`change`) or refused with
 * the last good one kept (`invalid`).
 */
export class WatchedDocument<T> extends EventEmitter<WatchedDocumentEvents<T>> {
  constructor(private readonly doc: StoredDocument<T>) {
    super();
  }

  /** Where the document lives: its file, or its Redis key. */
  get file(): string {
    return this.doc.location;
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

  /** Re-reads the stored document; emits `change` or `invalid`. */
  async reload(): Promise<void> {
    let previous = this.doc.data;
    try {
      if (await this.doc.reload((replaced) => (previous = replaced))) this.emit('change', this.doc.data, previous);
    } catch (error) {
      if (error instanceof InvalidDocumentError) this.emit('invalid', error);
      else this.emit('invalid', new InvalidDocumentError(this.file, [`(root): ${(error as Error).message}`]));
    }
  }

  /** Reloads whenever the storage says someone else may have changed the document. */
  watch(): void {
    this.doc.watch(() => void this.reload());
  }

  close(): void {
    this.doc.close();
  }
}
