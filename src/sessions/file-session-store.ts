import { join } from 'node:path';
import { readTextIfExists, writeFileAtomic } from '../../config/atomic-file.js';
import type { SessionRecord, SessionStore } from './session-record.js';

interface SessionsFile {
  version: 1;
  sessions: SessionRecord[];
}

/**
 * The embedded session store: all sessions in memory, written to
 * `sessions.json` in the data dir so they survive a restart. Creations and
 * revocations are written through at once; last-seen times are batched.
 */
export class FileSessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly file: string;
  private dirty = false;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    dataDir: string,
    private readonly now: () => number,
    flushEveryMs = 30_000,
  ) {
    this.file = join(dataDir, 'sessions.json');
    if (flushEveryMs > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), flushEveryMs);
      this.timer.unref();
    }
  }

  async load(): Promise<void> {
    const text = await readTextIfExists(this.file);
    this.sessions.clear();
    if (text === null) return;
    let parsed: SessionsFile;
    try {
      parsed = JSON.parse(text) as SessionsFile;
    } catch (error) {
      throw new Error(`${this.file} is not valid JSON (${(error as Error).message}); delete it to sign everyone out`);
    }
    const now = this.now();
    for (const record of parsed.sessions ?? []) {
      if (record.expiresAt > now) this.sessions.set(record.id, record);
    }
  }

  get(id: string): SessionRecord | undefined {
    return this.sessions.get(id);
  }

  all(): Iterable<SessionRecord> {
    return this.sessions.values();
  }

  async put(record: SessionRecord): Promise<void> {
    this.sessions.set(record.id, record);
    await this.persist();
  }

  async delete(ids: readonly string[]): Promise<void> {
    let removed = false;
    for (const id of ids) removed = this.sessions.delete(id) || removed;
    if (removed) await this.persist();
  }

  touch(id: string, at: number): void {
    const record = this.sessions.get(id);
    if (record) {
      record.lastSeenAt = at;
      this.dirty = true;
    }
  }

  async flush(): Promise<void> {
    if (this.dirty) await this.persist();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.writing;
  }

  private persist(): Promise<void> {
    this.dirty = false;
    const now = this.now();
    const write = async () => {
      const live = [...this.sessions.values()].filter((s) => s.expiresAt > now);
      const doc: SessionsFile = { version: 1, sessions: live };
      await writeFileAtomic(this.file, JSON.stringify(doc));
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}
