import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDir } from '../../config/atomic-file.js';

/** A batch past this many characters closes and the next append opens another: joining and encoding one stays short. */
const MAX_BATCH_CHARS = 256 * 1024;

interface Batch {
  readonly lines: string[];
  chars: number;
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  // A caller that does not wait for its write must not crash the process on a failed one.
  done.catch(() => undefined);
  return { lines: [], chars: 0, done, resolve, reject };
}

/** A write may land short; the rest follows until every byte is down. */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/**
 * An append-only file of lines, written with group commit: appends that
 * arrive while a write is on disk go out together in the next one, each
 * write followed by one fdatasync. A change therefore costs one small write,
 * whatever the file's size, and a burst of logins shares its syncs.
 *
 * `rewrite` replaces the whole file (compaction) while appends go on: lines
 * written meanwhile are replayed into the new file, and the swap happens
 * between two writes, so no change is lost (one replayed twice sets the
 * same state again).
 */
export class JournalFile {
  private handle: FileHandle | undefined;
  private next: Batch | undefined;
  private lane: Promise<void> = Promise.resolve();
  /** Lines written to the current file since a rewrite began; null when none is running. */
  private sinceRewrite: Buffer[] | null = null;
  /** Bytes in the file: appends land past this, and a failed write is cut back to it. */
  size = 0;

  constructor(readonly file: string) {}

  /** Opens for appending; `validBytes` cuts off a torn tail found at load. */
  async open(validBytes?: number): Promise<void> {
    this.handle = await open(this.file, 'a+', 0o600);
    const { size } = await this.handle.stat();
    if (validBytes !== undefined && validBytes < size) {
      await this.handle.truncate(validBytes);
      await this.handle.sync();
    }
    this.size = validBytes ?? size;
  }

  /** Resolves once `text` (whole lines) is on disk. */
  append(text: string): Promise<void> {
    if (!this.next || this.next.chars >= MAX_BATCH_CHARS) {
      const batch = newBatch();
      this.next = batch;
      this.lane = this.lane.then(() => this.write(batch));
    }
    this.next.lines.push(text);
    this.next.chars += text.length;
    return this.next.done;
  }

  private async write(batch: Batch): Promise<void> {
    if (this.next === batch) this.next = undefined;
    const bytes = Buffer.from(batch.lines.join(''));
    const handle = this.handle;
    try {
      if (!handle) throw new Error(`${this.file} is closed`);
      await writeAll(handle, bytes);
      await handle.datasync();
      this.size += bytes.length;
      this.sinceRewrite?.push(bytes);
      batch.resolve();
    } catch (error) {
      // A half-written line would read as a corrupt middle record once the next append lands after it.
      await handle?.truncate(this.size).catch(() => undefined);
      batch.reject(error);
    }
  }

  /**
   * Replaces the file with `content` (yielded in chunks, so the caller can
   * serialize a little at a time and let the event loop breathe between).
   * Appends made meanwhile end up in the new file too.
   */
  async rewrite(content: AsyncIterable<string> | Iterable<string>): Promise<void> {
    const temp = `${this.file}.compacting`;
    this.sinceRewrite = [];
    const out = await open(temp, 'w', 0o600);
    let swapped = false;
    try {
      let written = 0;
      for await (const chunk of content) {
        const bytes = Buffer.from(chunk);
        await writeAll(out, bytes);
        written += bytes.length;
      }
      await this.exclusive(async () => {
        const replay = this.sinceRewrite!;
        this.sinceRewrite = null;
        for (const bytes of replay) await writeAll(out, bytes);
        await out.sync();
        await out.close();
        await rename(temp, this.file);
        swapped = true;
        // The old handle names the unlinked file from here on: reopen before anything else
        // can fail, or later appends would be acknowledged into a file no restart reads.
        await this.handle?.close().catch(() => undefined);
        this.handle = await open(this.file, 'a', 0o600);
        this.size = written + replay.reduce((sum, bytes) => sum + bytes.length, 0);
        await syncDir(dirname(this.file));
      });
    } finally {
      this.sinceRewrite = null;
      if (!swapped) {
        await out.close().catch(() => undefined);
        await unlink(temp).catch(() => undefined);
      }
    }
  }

  /** Runs `fn` between two writes. */
  private exclusive(fn: () => Promise<void>): Promise<void> {
    const run = this.lane.then(fn);
    this.lane = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      await this.handle?.close();
      this.handle = undefined;
    });
  }
}

/** Removes what a compaction killed mid-way left behind; the journal itself was never touched. */
export function removeStaleRewrite(file: string): Promise<void> {
  return removeIfPresent(`${file}.compacting`);
}

export async function removeIfPresent(file: string): Promise<void> {
  await unlink(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

export async function fileExists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}
