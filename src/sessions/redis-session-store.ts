import type { Redis } from 'ioredis';
import type { RedisConnection } from '../backend/redis-connection.js';
import type { SessionRecord, SessionStore } from './session-record.js';


type Notice = { op: 'put'; id: string; from: string } | { op: 'del'; ids: string[]; from: string };

/**
 * Sessions shared by several Gatehouse replicas through Redis. Each replica
 * keeps every session in memory (the hot path never waits on Redis), writes
 * changes through, and hears the others' changes on a pub/sub channel, so a
 * logout on one replica is a logout on all of them. Keys expire with the
 * session's absolute lifetime.
 */
export class RedisSessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly dirty = new Set<string>();
  private readonly client: Redis;
  private subscriber: Redis | undefined;
  private readonly keyPrefix: string;
  private readonly channel: string;
  private readonly replicaId = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  private timer: NodeJS.Timeout | undefined;
  // Notices are handled one at a time, in order: a revocation can never be overtaken by an earlier creation.
  private hearing: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: RedisConnection,
    private readonly now: () => number,
    flushEveryMs = 30_000,
  ) {
    this.client = redis.client;
    this.keyPrefix = redis.key('session', '');
    this.channel = redis.key('sessions');
    if (flushEveryMs > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), flushEveryMs);
      this.timer.unref();
    }
  }

  async load(): Promise<void> {
    this.subscriber = await this.redis.subscriber();
    this.subscriber.on('message', (_channel, message) => {
      this.hearing = this.hearing.then(() => this.hear(message)).catch(() => undefined);
    });
    await this.subscriber.subscribe(this.channel);
    this.sessions.clear();
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', `${this.keyPrefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length === 0) continue;
      for (const value of await this.client.mget(keys)) {
        const record = value ? this.parse(value) : null;
        if (record && record.expiresAt > this.now()) this.sessions.set(record.id, record);
      }
    } while (cursor !== '0');
  }

  get(id: string): SessionRecord | undefined {
    return this.sessions.get(id);
  }

  all(): Iterable<SessionRecord> {
    return this.sessions.values();
  }

  async put(record: SessionRecord): Promise<void> {
    this.sessions.set(record.id, record);
    await this.write(record);
    await this.notify({ op: 'put', id: record.id, from: this.replicaId });
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    for (const id of ids) this.sessions.delete(id);
    await this.client.del(...ids.map((id) => this.keyPrefix + id));
    await this.notify({ op: 'del', ids: [...ids], from: this.replicaId });
  }

  touch(id: string, at: number): void {
    const record = this.sessions.get(id);
    if (record) {
      record.lastSeenAt = at;
      this.dirty.add(id);
    }
  }

  /** Writes batched last-seen times (each replica only knows its own; the latest wins on reload). */
  async flush(): Promise<void> {
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids) {
      const record = this.sessions.get(id);
      if (record) await this.write(record);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
    // The connection itself belongs to the caller, which closes it after every store.
    this.subscriber?.disconnect();
  }

  private async write(record: SessionRecord): Promise<void> {
    const ttl = record.expiresAt - this.now();
    if (ttl <= 0) return;
    await this.client.set(this.keyPrefix + record.id, JSON.stringify(record), 'PX', ttl);
  }

  private async notify(notice: Notice): Promise<void> {
    await this.client.publish(this.channel, JSON.stringify(notice));
  }

  private async hear(message: string): Promise<void> {
    let notice: Notice;
    try {
      notice = JSON.parse(message) as Notice;
    } catch {
      return;
    }
    if (notice.from === this.replicaId) return;
    if (notice.op === 'del') {
      for (const id of notice.ids) this.sessions.delete(id);
      return;
    }
    const value = await this.client.get(this.keyPrefix + notice.id);
    const record = value ? this.parse(value) : null;
    if (record) this.sessions.set(record.id, record);
  }

  private parse(value: string): SessionRecord | null {
    try {
      const record = JSON.parse(value) as SessionRecord;
      return typeof record.id === 'string' && typeof record.secretHash === 'string' ? record : null;
    } catch {
      return null;
    }
  }
}
