import type { DocumentCodec } from './document-store.js';

/**
 * One document in its storage (a file in the data dir, or a Redis key): held
 * in memory, validated by its codec on every read, written whole. WatchedDocument
 * and the stores above it (config, users, credentials, tokens) see only this.
 */
export interface StoredDocument<T> {
  /** Where it lives, for messages: a file path or a Redis key. */
  readonly location: string;
  readonly data: T;
  /** Loads the document, creating it from the codec's initial one if missing. Throws InvalidDocumentError. */
  open(): Promise<T>;
  /**
   * Applies `mutate` to the latest stored document and writes the result, so
   * no one else's write is lost. `mutate` may run more than once when another
   * writer got in first: it must only compute the next document.
   */
  update(mutate: (current: T) => T | Promise<T>): Promise<T>;
  /**
   * Re-reads after an outside change. Returns whether it changed; an invalid
   * stored value throws InvalidDocumentError and the last good one stays in memory.
   * `onReplace` sees the document being replaced.
   */
  reload(onReplace?: (previous: T) => void): Promise<boolean>;
  /** Calls `onOutsideChange` whenever someone else may have changed the document (until `close`). */
  watch(onOutsideChange: () => void): void;
  close(): void;
}

/** Where every document lives: chosen once at boot (see src/backend/documents.ts). */
export interface DocumentBackend {
  /** `embedded`: files in the data dir, one process. `redis`: shared by every replica. */
  readonly kind: 'embedded' | 'redis';
  /** The document called `name` (its file name in the data dir, e.g. `users.json`). */
  document<T>(name: string, codec: DocumentCodec<T>): StoredDocument<T>;
}
