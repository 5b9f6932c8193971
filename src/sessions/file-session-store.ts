import { join } from 'node:path';
import { encodeDelete, encodeHeader, encodePut, encodeSeen } from './journal-codec.js';
import { fileExists, JournalFile, removeIfPresent, removeStaleRewrite } from './journal-file.js';
import { loadJournal } from './journal-load.js';
import { readLegacySessions } from './legacy-sessions-file.js';
import { SessionInterner } from './session-interner.js';
import type { SessionRecord, SessionStore } from './session-record.js';

export const SESSIONS_JOURNAL = 'sessions.journal';
export const LEGACY_SESSIONS_FILE = 'sessions.json';

/** How many records one chunk of a compaction or a prune handles before letting the event loop run. */
const CHUNK = 100;
/** Ids per `del` or `seen` line, so no single line (or its JSON.stringify) grows with the store. */
const IDS_PER_LINE = 1_000;
/** Compaction waits until the journal holds at least this much beyond twice its last compacted size. */
const COMPACT_SLACK_BYTES = 4 * 1024 * 1024;

export interface FileSessionStoreOptions {
  /** Where load reports a torn last record it dropped (default: nowhere). */
  readonly warn?: (message: string) => void;
  /** Growth past twice the live size that sets off a compaction (default 4 MiB). */
  readonly compactSlackBytes?: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The embedded session store: every session in memory, each change appended
 * to `sessions.journal` in the data dir as one JSON line (a login, a logout,
 * a batch of last-seen times), so a change costs the same at ten sessions or
 * a hundred thousand. The journal is rewritten from memory in the background
 * once it has grown to twice its live size, a hundred records at a time,
 * dropping expired sessions; expired sessions leave memory the same way.
 */
export class FileSessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly touched = new Set<string>();
  private readonly interner = new SessionInterner();
  private readonly journal: JournalFile;
  private readonly warn: (message: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private compacting: Promise<void> | undefined;
  private pruning: Promise<void> | undefined;
  private compactedSize = 0;
  private closed = false;
  private readonly compactSlackBytes: number;

  constructor(
    private readonly dataDir: string,
    private readonly now: () => number,
    flushEveryMs = 30_000,
    options: FileSessionStoreOptions = {},
  ) {
    this.journal = new JournalFile(join(dataDir, SESSIONS_JOURNAL));
    this.warn = options.warn ?? (() => undefined);
    this.compactSlackBytes = options.compactSlackBytes ?? COMPACT_SLACK_BYTES;
    if (flushEveryMs > 0) {
      this.timer = setInterval(() => void this.housekeeping(), flushEveryMs);
      this.timer.unref();
    }
  }

  get file(): string {
    return this.journal.file;
  }

  /** Reads the journal (or migrates sessions.json); refuses with InvalidDocumentError on a corrupt record. */
  async load(): Promise<void> {
    this.sessions.clear();
    this.touched.clear();
    const legacy = join(this.dataDir, LEGACY_SESSIONS_FILE);
    await removeStaleRewrite(this.file);
    if (!(await fileExists(this.file)) && (await fileExists(legacy))) {
      await this.migrate(legacy);
      return;
    }
    const loaded = await loadJournal(this.file, this.now(), this.interner, this.sessions);
    if (loaded.torn) this.warn(`${this.file}: dropped a torn last record at line ${loaded.torn.line} (${loaded.torn.reason}); the change it held was in flight when the process stopped`);
    await this.journal.open(loaded.validBytes);
    if (loaded.validBytes === 0) await this.journal.append(encodeHeader());
    this.compactedSize = loaded.liveBytes;
    // A migration interrupted after writing the journal leaves the old file behind.
    await removeIfPresent(legacy);
    this.maybeCompact();
  }

  get(id: string): SessionRecord | undefined {
    return this.sessions.get(id);
  }

  all(): Iterable<SessionRecord> {
    return this.sessions.values();
  }

  size(): number {
    return this.sessions.size;
  }

  async put(record: SessionRecord): Promise<void> {
    const held = this.interner.record(record);
    this.sessions.set(held.id, held);
    this.touched.delete(held.id);
    await this.append(encodePut(held));
  }

  async delete(ids: readonly string[]): Promise<void> {
    const removed = ids.filter((id) => this.sessions.delete(id));
    if (removed.length === 0) return;
    for (const id of removed) this.touched.delete(id);
    const lines: string[] = [];
    for (let i = 0; i < removed.length; i += IDS_PER_LINE) lines.push(encodeDelete(removed.slice(i, i + IDS_PER_LINE)));
    await this.append(lines.join(''));
  }

  touch(id: string, at: number): void {
    const record = this.sessions.get(id);
    if (record) {
      record.lastSeenAt = at;
      this.touched.add(id);
    }
  }

  /** Appends the last-seen times changed since the previous flush, a line of IDS_PER_LINE at a time. */
  async flush(): Promise<void> {
    if (this.touched.size === 0) return;
    const ids = [...this.touched];
    this.touched.clear();
    const lines: string[] = [];
    for (let i = 0; i < ids.length; i += IDS_PER_LINE) {
      const batch: Array<[string, number]> = [];
      for (const id of ids.slice(i, i + IDS_PER_LINE)) {
        const record = this.sessions.get(id);
        if (record) batch.push([id, record.lastSeenAt]);
      }
      if (batch.length > 0) lines.push(encodeSeen(batch));
      // 100k busy sessions make a long flush: let checks run between lines.
      if (i + IDS_PER_LINE < ids.length) await yieldToEventLoop();
    }
    // One append per line: the journal's batches stay small enough to encode between two checks.
    await Promise.all(lines.map((line) => this.journal.append(line)));
    this.maybeCompact();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.pruning;
    await this.compacting;
    await this.flush();
    await this.journal.close();
  }

  /** Rewrites the journal from memory now, without expired sessions. Resolves when the new file is in place. */
  compact(): Promise<void> {
    this.compacting ??= this.rewrite().finally(() => {
      this.compacting = undefined;
    });
    return this.compacting;
  }

  /** Drops expired sessions from memory, a chunk at a time; the journal forgets them at its next compaction. */
  prune(): Promise<void> {
    this.pruning ??= (async () => {
      let n = 0;
      for (const [id, record] of this.sessions) {
        if (record.expiresAt <= this.now()) {
          this.sessions.delete(id);
          this.touched.delete(id);
        }
        if (++n % CHUNK === 0) await yieldToEventLoop();
      }
    })().finally(() => {
      this.pruning = undefined;
    });
    return this.pruning;
  }

  private async housekeeping(): Promise<void> {
    try {
      await this.prune();
      await this.flush();
    } catch (error) {
      this.warn(`${this.file}: could not record last-seen times (${(error as Error).message})`);
    }
  }

  private async append(text: string): Promise<void> {
    await this.journal.append(text);
    this.maybeCompact();
  }

  private maybeCompact(): void {
    if (this.closed || this.compacting || this.journal.size <= 2 * this.compactedSize + this.compactSlackBytes) return;
    this.compact().catch((error: unknown) => this.warn(`${this.file}: compaction failed, the journal keeps growing until the next one (${(error as Error).message})`));
  }

  private async rewrite(): Promise<void> {
    await this.journal.rewrite(this.snapshot());
    this.compactedSize = this.journal.size;
  }

  /** The live sessions as journal lines, CHUNK records per chunk, yielding to the event loop between chunks. */
  private async *snapshot(): AsyncGenerator<string> {
    yield encodeHeader();
    let chunk: string[] = [];
    for (const record of this.sessions.values()) {
      if (record.expiresAt <= this.now()) continue;
      chunk.push(encodePut(record));
      if (chunk.length === CHUNK) {
        yield chunk.join('');
        chunk = [];
        await yieldToEventLoop();
      }
    }
    if (chunk.length > 0) yield chunk.join('');
  }

  private async migrate(legacy: string): Promise<void> {
    const records = await readLegacySessions(legacy);
    const now = this.now();
    for (const record of records) if (record.expiresAt > now) this.sessions.set(record.id, this.interner.record(record));
    // The journal appears only whole (rewrite renames it into place): a crash mid-migration leaves sessions.json in charge.
    await this.rewrite();
    await removeIfPresent(legacy);
  }
}

