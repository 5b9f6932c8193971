import { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import { asStoreUnavailable } from './store-unavailable.js';

/** How to reach Redis; read from the environment once at boot (see env.ts). */
export interface RedisSettings {
  /** `redis://[:password@]host:port/db` or `rediss://` for TLS. Ignored when `sentinels` is set (its password and db still apply). */
  readonly url: string;
  /** Every key Gatehouse writes starts with this, so two installations can share one Redis. */
  readonly prefix: string;
}

export interface RedisConnectionEvents {
  /** Redis answers again (also the first connect). */
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
 * StoreUnavailableError at once instead of a request that hangs.
 */
export class RedisConnection extends EventEmitter<RedisConnectionEvents> {
  readonly client: Redis;
  private readonly subscribers = new Set<Redis>();
  private up = false;

  constructor(readonly settings: RedisSettings) {
    super();
    this.client = new Redis(settings.url, this.options());
    this.client.on('ready', () => this.setUp(true));
    this.client.on('error', (error: Error) => this.setUp(false, error));
    this.client.on('end', () => this.setUp(false, new Error('connection closed')));
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
    } catch (error) {
      throw asStoreUnavailable(error);
    }
  }

  /** A connection for SUBSCRIBE (a subscribed client can run nothing else). Closed with this one. */
  async subscriber(): Promise<Redis> {
    const sub = new Redis(this.settings.url, this.options());
    // Errors surface through the command client's state; a listener keeps ioredis quiet.
    sub.on('error', () => undefined);
    this.subscribers.add(sub);
    try {
      await sub.connect();
    } catch (error) {
      throw asStoreUnavailable(error);
    }
    return sub;
  }

  async close(): Promise<void> {
    for (const sub of this.subscribers) sub.disconnect();
    this.subscribers.clear();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private options(): RedisOptions {
    return {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      // Keep trying for ever, at most once a second: a replica must come back by itself.
      retryStrategy: (times) => Math.min(times * 100, 1_000),
    };
  }

  private setUp(up: boolean, error?: Error): void {
    if (up === this.up) return;
    this.up = up;
    if (up) this.emit('up');
    else this.emit('down', error ?? new Error('down'));
  }
}
