import { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import { asStoreUnavailable } from './store-unavailable.js';
import { connectionOptions, type RedisSettings } from './redis-settings.js';

export type { RedisSettings } from './redis-settings.js';

export interface RedisConnectionEvents {
  /** Redis answers again after an outage (not the first connect). */
  up: [];
  /** Redis stopped answering; `error` is the first error of the outage. */
  down: [error: Error];
}

/**
 * The one Redis connection of a process: a command client, subscribers on
 * demand, the key prefix, and whether Redis is up. Every Redis-backed piece
 * of state takes this object instead of a URL, so the backend is chosen once
 * at boot and an outage is seen (and logged) in one place.
 *
 * Commands fail fast while Redis is down (no offline queue): a caller gets a
 * StoreUnavailableError at once instead of a request that hangs. Every ioredis
 * client made here has an 'error' listener, so ioredis never prints its own
 * unstructured "Unhandled error event" lines; the outage is reported once, by
 * whoever listens to 'down' and 'up'.
 */
export class RedisConnection extends EventEmitter<RedisConnectionEvents> {
  readonly client: Redis;
  private readonly subscribers = new Set<Redis>();
  private up = false;
  private connected = false;
  private closing = false;
  // The first connect's own error (WRONGPASS…) arrives as an event; connect() only sees "Connection is closed".
  private lastError: Error | undefined;

  constructor(readonly settings: RedisSettings) {
    super();
    this.client = this.newClient();
    this.client.on('ready', () => this.setUp(true));
    this.client.on('error', (error: Error) => {
      this.lastError = error;
      this.setUp(false, error);
    });
    this.client.on('close', () => this.setUp(false, new Error('connection to Redis lost')));
  }

  /** `prefix` + parts joined by `:`: `key('doc', 'users')` → `gatehouse:doc:users`. */
  key(...parts: string[]): string {
    return `${this.settings.prefix}${parts.join(':')}`;
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Connects the command client; throws StoreUnavailableError when Redis does not answer. */
  async connect(): Promise<void> {
    try {
      await this.client.connect();
      await this.client.ping();
      this.connected = true;
      this.up = true;
    } catch (error) {
      throw asStoreUnavailable(this.lastError ?? error);
    }
  }

  /** A connection for SUBSCRIBE (a subscribed client can run nothing else). Re-subscribes by itself after an outage; closed with this one. */
  async subscriber(): Promise<Redis> {
    const sub = this.newClient();
    // Errors surface through the command client's state; this listener keeps ioredis quiet.
    sub.on('error', () => undefined);
    this.subscribers.add(sub);
    try {
      await sub.connect();
    } catch (error) {
      throw asStoreUnavailable(error);
    }
    return sub;
  }

  /**
   * Waits until a write is on a replica as well, when Sentinel is in use: a
   * master that dies right after answering must not take an acknowledged
   * session or revocation with it. Nothing to wait for with a single server.
   */
  async replicated(): Promise<void> {
    if (!this.settings.sentinels) return;
    try {
      await this.client.wait(1, 1_000);
    } catch (error) {
      throw asStoreUnavailable(error);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const sub of this.subscribers) sub.disconnect();
    this.subscribers.clear();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private newClient(): Redis {
    const { url, options } = connectionOptions(this.settings);
    const all: RedisOptions = { ...options, ...this.options() };
    return url === undefined ? new Redis(all) : new Redis(url, all);
  }

  private options(): RedisOptions {
    return {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      // A Redis that accepts the connection but never answers is down too.
      commandTimeout: 3_000,
      // Keep trying for ever, at most once a second: a replica must come back by itself.
      retryStrategy: (times) => Math.min(times * 100, 1_000),
      sentinelRetryStrategy: (times) => Math.min(times * 100, 1_000),
      // Ask the Sentinels again when a node says it is a replica now (a failover happened).
      reconnectOnError: (error) => /READONLY/.test(error.message),
    };
  }

  private setUp(up: boolean, error?: Error): void {
    if (this.closing || !this.connected || up === this.up) return;
    this.up = up;
    if (up) this.emit('up');
    else this.emit('down', error ?? new Error('down'));
  }
}
