import type { Redis } from 'ioredis';
import type { DocumentBackend, StoredDocument } from '../../config/document-backend.js';
import { InvalidDocumentError, parseDocumentJson, type DocumentCodec } from '../../config/document-store.js';
import { SerialQueue } from '../../config/serial-queue.js';
import type { RedisConnection } from './redis-connection.js';
import { FIRST_RUN, WRITE_DOCUMENT } from './redis-document-scripts.js';
import { asStoreUnavailable, StoreUnavailableError } from './store-unavailable.js';

/** How often every watched document is compared with Redis, in case a change notice was missed. */
export const DEFAULT_RESYNC_MS = 15_000;
/** Writers that lost a compare-and-set re-read and try again; past this many tries something is wrong. */
const MAX_WRITE_ATTEMPTS = 50;

interface StoredValue {
  readonly rev: string;
  readonly json: string;
}

/**
 * The Redis backend for documents, shared by every replica and the CLI:
 * each document is one hash `{rev, json}`, written with compare-and-set.
 * A write publishes the document's name on one channel; every replica
 * re-reads on the notice, every `resyncMs`, and at once when Redis comes
 * back after an outage, so a missed notice is caught.
 */
export class RedisDocuments implements DocumentBackend {
  readonly kind = 'redis';
  private readonly watchers = new Map<string, Set<() => void>>();
  private subscriber: Promise<Redis | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly resyncAll = () => {
    for (const callbacks of this.watchers.values()) for (const callback of callbacks) callback();
  };
  /** Back after an outage: subscribe if that failed before, and re-read everything (notices were missed meanwhile). */
  private readonly onUp = () => {
    this.subscribe();
    this.resyncAll();
  };

  constructor(
    readonly redis: RedisConnection,
    private readonly options: { resyncMs?: number } = {},
  ) {}

  /** Where change notices are published: the payload is the document's name. */
  get channel(): string {
    return this.redis.key('doc-changed');
  }

  /** Set once Redis holds Gatehouse state (see redis-document-scripts.ts). */
  get stateKey(): string {
    return this.redis.key('state');
  }

  keyOf(name: string): string {
    return this.redis.key('doc', name.replace(/\.json$/, ''));
  }

  /** How messages name a document: `redis <key>`. */
  locationOf(name: string): string {
    return `redis ${this.keyOf(name)}`;
  }

  document<T>(name: string, codec: DocumentCodec<T>): StoredDocument<T> {
    return new RedisDocument(this, name, codec);
  }

  /** Reads a document's hash; a key of another type (a hand-written SET) is an invalid document. */
  async read(name: string): Promise<StoredValue | null> {
    const key = this.keyOf(name);
    let rev: string | null | undefined;
    let json: string | null | undefined;
    try {
      [rev, json] = await this.redis.client.hmget(key, 'rev', 'json');
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('WRONGTYPE')) {
        throw new InvalidDocumentError(this.locationOf(name), ['(root): not a Gatehouse document (expected a hash with the fields rev and json)']);
      }
      throw asStoreUnavailable(error);
    }
    if (json == null) {
      if (rev == null) return null;
      throw new InvalidDocumentError(this.locationOf(name), ['json: missing']);
    }
    return { rev: rev ?? '0', json };
  }

  /** Replaces a document if it is still at `rev`; returns the new revision, or null when someone else wrote first. */
  async write(name: string, rev: string, json: string): Promise<string | null> {
    try {
      const marker = JSON.stringify({ since: new Date().toISOString(), by: FIRST_RUN });
      const result = await this.redis.client.eval(WRITE_DOCUMENT, 2, this.keyOf(name), this.stateKey, rev, json, this.channel, name, marker);
      return Number(result) < 0 ? null : String(result);
    } catch (error) {
      throw asStoreUnavailable(error);
    }
  }

  /** Calls `callback` on every notice for `name`, every resync and every reconnect, until the returned function runs. */
  watch(name: string, callback: () => void): () => void {
    let callbacks = this.watchers.get(name);
    if (!callbacks) this.watchers.set(name, (callbacks = new Set()));
    callbacks.add(callback);
    this.start();
    return () => {
      callbacks.delete(callback);
      if (callbacks.size === 0) this.watchers.delete(name);
      if (this.watchers.size === 0) this.stop();
    };
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(this.resyncAll, this.options.resyncMs ?? DEFAULT_RESYNC_MS);
    this.timer.unref();
    this.redis.on('up', this.onUp);
    this.subscribe();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.redis.off('up', this.onUp);
  }

  /** One subscriber per process; when Redis is down it is tried again on the next `up`. */
  private subscribe(): void {
    this.subscriber ??= (async () => {
      const sub = await this.redis.subscriber();
      sub.on('message', (channel: string, name: string) => {
        if (channel !== this.channel) return;
        for (const callback of this.watchers.get(name) ?? []) callback();
      });
      await sub.subscribe(this.channel);
      // ioredis subscribes again after a reconnect; what was published in between is caught here.
      sub.on('ready', this.resyncAll);
      // Anything written between open() and the subscription is caught here.
      this.resyncAll();
      return sub;
    })().catch(() => {
      this.subscriber = undefined;
      return undefined;
    });
  }
}

/** One document in Redis, held in memory for the hot path; see StoredDocument. */
class RedisDocument<T> implements StoredDocument<T> {
  private current: T;
  /** The JSON in memory, as last read or written: a resync that reads the same skips decoding. */
  private json = '';
  /** The last value refused as invalid, so a resync does not report it again every time. */
  private refused = '';
  private readonly queue = new SerialQueue();
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly backend: RedisDocuments,
    private readonly name: string,
    private readonly codec: DocumentCodec<T>,
  ) {
    this.current = codec.initial();
  }

  get location(): string {
    return this.backend.locationOf(this.name);
  }

  get data(): T {
    return this.current;
  }

  open(): Promise<T> {
    return this.queue.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const stored = await this.backend.read(this.name);
        if (stored) {
          this.keep(this.decode(stored.json), stored);
          return this.current;
        }
        const initial = this.codec.initial();
        const json = JSON.stringify(initial);
        const rev = await this.backend.write(this.name, '0', json);
        if (rev !== null) {
          this.keep(initial, { rev, json });
          return this.current;
        }
        this.checkAttempts(attempt);
      }
    });
  }

  update(mutate: (current: T) => T | Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const stored = await this.backend.read(this.name);
        // Deleted under us (a flushed Redis): start again from the copy in memory.
        const base = stored ? this.decode(stored.json) : this.current;
        const next = this.codec.decode(await mutate(structuredClone(base)), this.location);
        const json = JSON.stringify(next);
        if (stored && json === stored.json) {
          this.keep(next, stored);
          return next;
        }
        const rev = await this.backend.write(this.name, stored?.rev ?? '0', json);
        if (rev !== null) {
          this.keep(next, { rev, json });
          return next;
        }
        this.checkAttempts(attempt);
        // Another replica wrote first: back off a little, at random, so two writers do not collide again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * Math.min(attempt, 5)));
      }
    });
  }

  reload(onReplace?: (previous: T) => void): Promise<boolean> {
    return this.queue.run(async () => {
      let stored: StoredValue | null;
      try {
        stored = await this.backend.read(this.name);
      } catch (error) {
        // An outage: keep what is in memory; the reconnect resyncs.
        if (error instanceof StoreUnavailableError) return false;
        // A key of the wrong type: reported once, not at every resync.
        if (error instanceof InvalidDocumentError) {
          if (this.refused === error.message) return false;
          this.refused = error.message;
        }
        throw error;
      }
      if (!stored || stored.json === this.json || stored.json === this.refused) return false;
      let loaded: T;
      try {
        loaded = this.decode(stored.json);
      } catch (error) {
        this.refused = stored.json;
        throw error;
      }
      const changed = JSON.stringify(loaded) !== JSON.stringify(this.current);
      if (changed) onReplace?.(this.current);
      this.keep(loaded, stored);
      return changed;
    });
  }

  watch(onOutsideChange: () => void): void {
    this.unwatch ??= this.backend.watch(this.name, onOutsideChange);
  }

  close(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  private keep(doc: T, stored: StoredValue): void {
    this.current = doc;
    this.json = stored.json;
    this.refused = '';
  }

  private decode(json: string): T {
    return this.codec.decode(parseDocumentJson(json, this.location), this.location);
  }

  private checkAttempts(attempt: number): void {
    if (attempt >= MAX_WRITE_ATTEMPTS) throw new Error(`${this.location}: gave up after ${attempt} conflicting writes`);
  }
}
