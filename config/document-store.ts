import { Low, type Adapter } from 'lowdb';
import { writeFileAtomic, readTextIfExists } from './atomic-file.js';
import { withFileLock } from './file-lock.js';
import { SerialQueue } from './serial-queue.js';

/** A document on disk failed to parse or validate. `problems` are `field.path: reason` lines. */
export class InvalidDocumentError extends Error {
  readonly code = 'GH_INVALID_DOCUMENT';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is invalid:\n  ${problems.join('\n  ')}`);
  }
}

/** Parses a stored document's text; text that is not JSON is an InvalidDocumentError naming `location`. */
export function parseDocumentJson(text: string, location: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidDocumentError(location, [`(root): not valid JSON (${(error as Error).message})`]);
  }
}

export interface DocumentCodec<T> {
  /** Turns parsed JSON into a valid document (migrating old versions) or throws InvalidDocumentError. */
  decode(raw: unknown, file: string): T;
  /** The document written when the file does not exist yet. */
  initial(): T;
}

/** lowdb adapter: atomic writes, and every read validated by the codec. */
class ValidatedJsonFile<T> implements Adapter<T> {
  constructor(
    private readonly file: string,
    private readonly codec: DocumentCodec<T>,
  ) {}

  async read(): Promise<T | null> {
    const text = await readTextIfExists(this.file);
    if (text === null) return null;
    return this.codec.decode(parseDocumentJson(text, this.file), this.file);
  }

  async write(data: T): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`);
  }
}

/**
 * A JSON document in the data dir, held in memory, validated on every read,
 * written atomically. Updates are serialized within the process and locked
 * across processes (the CLI edits the same files as a running server), and
 * each update re-reads the file first so no one else's edit is lost.
 */
export class DocumentStore<T> {
  private readonly db: Low<T>;
  private readonly queue = new SerialQueue();
  private lastText = '';

  constructor(
    readonly file: string,
    private readonly codec: DocumentCodec<T>,
  ) {
    this.db = new Low<T>(new ValidatedJsonFile(file, codec), codec.initial());
  }

  get data(): T {
    return this.db.data;
  }

  /** Loads the file, creating it from the codec's initial document if missing. */
  async open(): Promise<T> {
    await this.serialize(() =>
      withFileLock(this.file, async () => {
        const loaded = await this.db.adapter.read();
        if (loaded === null) {
          this.db.data = this.codec.initial();
          await this.db.write();
        } else {
          this.db.data = loaded;
        }
        this.lastText = JSON.stringify(this.db.data);
      }),
    );
    return this.db.data;
  }

  /**
   * Applies `mutate` to the latest document on disk and writes the result.
   * The result is validated before anything is written: an invalid update
   * throws InvalidDocumentError and leaves the file and memory untouched.
   */
  update(mutate: (current: T) => T | Promise<T>): Promise<T> {
    return this.serialize(() =>
      withFileLock(this.file, async () => {
        const onDisk = (await this.db.adapter.read()) ?? this.db.data;
        const next = this.codec.decode(await mutate(structuredClone(onDisk)), this.file);
        this.db.data = next;
        await this.db.write();
        this.lastText = JSON.stringify(next);
        return next;
      }),
    );
  }

  /**
   * Re-reads the file after an outside edit. Returns whether it changed; an
   * invalid file throws and the last good document stays in memory.
   * `onReplace` sees the document being replaced, read inside the queue so
   * it is never one that a queued update has already superseded.
   */
  reload(onReplace?: (previous: T) => void): Promise<boolean> {
    return this.serialize(async () => {
      const loaded = await this.db.adapter.read();
      if (loaded === null) return false;
      const text = JSON.stringify(loaded);
      if (text === this.lastText) return false;
      onReplace?.(this.db.data);
      this.db.data = loaded;
      this.lastText = text;
      return true;
    });
  }

  private serialize<R>(fn: () => Promise<R>): Promise<R> {
    return this.queue.run(fn);
  }
}
