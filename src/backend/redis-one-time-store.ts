import type { RedisConnection } from './redis-connection.js';
import type { OneTimeStore } from './one-time-store.js';
import { redisCall } from './redis-call.js';

/**
 * One-time values in Redis, shared by every replica: a claim is `SET NX PX`
 * (of two replicas claiming at once, Redis lets exactly one through) and a
 * take is `GETDEL` (a value is handed out once). Keys expire by themselves,
 * so nothing piles up however many ceremonies are started and abandoned.
 */
export class RedisOneTimeStore implements OneTimeStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly namespace: string,
    private readonly now: () => number,
  ) {}

  async claim(id: string, expiresAtMs: number): Promise<boolean> {
    const set = await redisCall(() => this.redis.client.set(this.key(id), '1', 'PX', this.ttl(expiresAtMs), 'NX'));
    return set === 'OK';
  }

  async put(id: string, value: string, expiresAtMs: number): Promise<void> {
    await redisCall(() => this.redis.client.set(this.key(id), value, 'PX', this.ttl(expiresAtMs)));
  }

  async take(id: string): Promise<string | undefined> {
    const value = await redisCall(() => this.redis.client.getdel(this.key(id)));
    return value ?? undefined;
  }

  private key(id: string): string {
    return this.redis.key('once', this.namespace, id);
  }

  /** At least a millisecond: Redis refuses PX 0, and a mark that lives a moment still refuses a racing twin. */
  private ttl(expiresAtMs: number): number {
    return Math.max(1, Math.ceil(expiresAtMs - this.now()));
  }
}
