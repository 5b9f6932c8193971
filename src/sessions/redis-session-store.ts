import type { Redis } from 'ioredis';
import type { RedisConnection } from '../backend/redis-connection.js';
import { redisCall, redisExec } from '../backend/redis-call.js';
import { asStoreUnavailable } from '../backend/store-unavailable.js';
import type { SessionRecord, SessionStore } from './session-record.js';

/** Everything but the last-seen time is equal. */
function sameSession(a: SessionRecord, b: SessionRecord): boolean {
  return (
    a.secretHash === b.secretHash &&
    a.expiresAt === b.expiresAt &&
    a.mode === b.mode &&
    a.acr === b.acr &&
    a.mfaAt === b.mfaAt &&
    a.pending === b.pending &&
    JSON.stringify(a.amr) === JSON.stringify(b.amr) &&
    JSON.stringify(a.principal) === JSON.stringify(b.principal)
  );
}

type Notice = { op: 'put'; id: string; from: string } | { op: 'del'; ids: string[]; from: string };

/**
 * Sessions shared by several Gatehouse replicas through Redis. Each replica
 * keeps every session in memory (the hot path never waits on Redis), writes
 * changes through, and hears the others' changes on a pub/sub channel, so a
 * logout on one replica is a logout on all of them. Keys expire with the
 * session's absolute lifetime.
 *
 * Redis is written first and memory only once Redis said yes: during an
 * outage a login or logout fails with StoreUnavailableError and changes
 * nothing, so no session ever exists on one replica only. Notices missed
 * during an outage (a revocation on another replica) are caught by a full
 * resync when Redis answers again, and by a periodic one.
 */
export class RedisSessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly dirty = new Set<string>();
  private readonly client: Redis;
  private subscriber: Redis | undefined;
  private readonly keyPrefix: string;
  private readonly channel: string;
  private readonly replicaId = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  private readonly timers: NodeJS.Timeout[] = [];
  // Notices are handled one at a time, in order: a revocation can never be overtaken by an earlier creation.
  private hearing: Promise<void> = Promise.resolve();
  private resyncing: Promise<void> | null = null;
  // What this replica changed while a resync was reading Redis: newer than the scan, applied over it.
  private changedDuringResync: Map<string, SessionRecord | null> | null = null;
  private readonly onUp = () => void this.resync().catch(() => undefined);

  constructor(
    private readonly redis: RedisConnection,
    private readonly now: () => number,
    flushEveryMs = 30_000,
    resyncEveryMs = 60_000,
  ) {
    this.client = redis.client;
    this.keyPrefix = redis.key('session', '');
    this.channel = redis.key('sessions');
    const every = (ms: number, work: () => Promise<void>) => {
      if (ms <= 0) return;
      const timer = setInterval(() => void work().catch(() => undefined), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(flushEveryMs, () => this.flush());
    every(resyncEveryMs, () => this.resync());
  }

  async load(): Promise<void> {
    this.subscriber = await this.redis.subscriber();
    this.subscriber.on('message', (_channel, message) => {
      this.hearing = this.hearing.then(() => this.hear(message)).catch(() => undefined);
    });
    await this.subscriber.subscribe(this.channel);
    // After an outage the subscriber re-subscribes by itself; what was published meanwhile is read back whole.
    this.subscriber.on('ready', this.onUp);
    this.redis.on('up', this.onUp);
    this.sessions.clear();
    for (const record of await this.scan()) this.sessions.set(record.id, record);
  }

  get(id: string): SessionRecord | undefined {
    return this.sessions.get(id);
  }

  all(): Iterable<SessionRecord> {
    return this.sessions.values();
  }

  async put(record: SessionRecord): Promise<void> {
    const ttl = record.expiresAt - this.now();
    if (ttl <= 0) return;
    await this.command(() =>
      this.client
        .multi()
        .set(this.keyPrefix + record.id, JSON.stringify(record), 'PX', ttl)
        .publish(this.channel, JSON.stringify({ op: 'put', id: record.id, from: this.replicaId } satisfies Notice))
        .exec(),
    );
    this.apply(record.id, record);
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.command(() =>
      this.client
        .multi()
        .del(...ids.map((id) => this.keyPrefix + id))
        .publish(this.channel, JSON.stringify({ op: 'del', ids: [...ids], from: this.replicaId } satisfies Notice))
        .exec(),
    );
    for (const id of ids) this.apply(id, null);
  }

  touch(id: string, at: number): void {
    const record = this.sessions.get(id);
    if (record) {
      record.lastSeenAt = at;
      this.dirty.add(id);
    }
  }

  /** Writes batched last-seen times (each replica only knows its own; the latest wins on resync). Kept for later if Redis is down. */
  async flush(): Promise<void> {
    const ids = [...this.dirty];
    this.dirty.clear();
    const pipeline = this.client.pipeline();
    for (const id of ids) {
      const record = this.sessions.get(id);
      const ttl = record ? record.expiresAt - this.now() : 0;
      if (record && ttl > 0) pipeline.set(this.keyPrefix + id, JSON.stringify(record), 'PX', ttl, 'XX');
    }
    if (pipeline.length === 0) return;
    try {
      await redisExec(() => pipeline.exec());
    } catch (error) {
      for (const id of ids) this.dirty.add(id);
      throw error;
    }
  }

  /**
   * Replaces the in-memory copy with what Redis holds: sessions revoked or
   * expired elsewhere go, sessions created elsewhere come. Changes this
   * replica made while reading win over what was read.
   */
  resync(): Promise<void> {
    this.resyncing ??= (async () => {
      this.changedDuringResync = new Map();
      try {
        const scanned = await this.scan();
        const next = new Map<string, SessionRecord>();
        for (const record of scanned) {
          const mine = this.sessions.get(record.id);
          // An unchanged session keeps its object: the check's per-record and per-principal caches stay warm.
          if (mine && sameSession(mine, record)) {
            if (record.lastSeenAt > mine.lastSeenAt) mine.lastSeenAt = record.lastSeenAt;
            next.set(record.id, mine);
            continue;
          }
          if (mine && mine.lastSeenAt > record.lastSeenAt) record.lastSeenAt = mine.lastSeenAt;
          next.set(record.id, record);
        }
        for (const [id, record] of this.changedDuringResync) {
          if (record) next.set(id, record);
          else next.delete(id);
        }
        this.sessions.clear();
        for (const [id, record] of next) this.sessions.set(id, record);
      } finally {
        this.changedDuringResync = null;
        this.resyncing = null;
      }
    })();
    return this.resyncing;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.redis.off('up', this.onUp);
    await this.flush().catch(() => undefined);
    // The connection itself belongs to the caller, which closes it after every store.
    this.subscriber?.disconnect();
  }

  private apply(id: string, record: SessionRecord | null): void {
    if (record) this.sessions.set(id, record);
    else this.sessions.delete(id);
    this.changedDuringResync?.set(id, record);
  }

  private async command(run: () => Promise<Array<[Error | null, unknown]> | null>): Promise<void> {
    await redisExec(run);
    await redisCall(() => this.redis.replicated());
  }

  private async scan(): Promise<SessionRecord[]> {
    const records: SessionRecord[] = [];
    let cursor = '0';
    try {
      do {
        const [next, keys] = await this.client.scan(cursor, 'MATCH', `${this.keyPrefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length === 0) continue;
        for (const value of await this.client.mget(keys)) {
          const record = value ? this.parse(value) : null;
          if (record && record.expiresAt > this.now()) records.push(record);
        }
      } while (cursor !== '0');
    } catch (error) {
      throw asStoreUnavailable(error);
    }
    return records;
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
      if (Array.isArray(notice.ids)) for (const id of notice.ids) this.apply(id, null);
      return;
    }
    const value = await this.client.get(this.keyPrefix + notice.id);
    const record = value ? this.parse(value) : null;
    this.apply(notice.id, record);
  }

  private parse(value: string): SessionRecord | null {
    try {
      const record = JSON.parse(value) as SessionRecord;
      return typeof record.id === 'string' && typeof record.secretHash === 'string' && typeof record.expiresAt === 'number' ? record : null;
    } catch {
      return null;
    }
  }
}
