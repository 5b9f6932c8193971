import type { Redis } from 'ioredis';
import type { RedisConnection } from '../backend/redis-connection.js';
import { redisCall, redisExec } from '../backend/redis-call.js';
import { parsePendingSwitch, type PendingSwitch, type PendingSwitchStore } from './pending-switch-store.js';

// Deletes the key only if it still holds this very switch: of several replicas whose
// timers fire at the deadline, exactly one gets 1 and performs the rollback.
const CLAIM = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]); redis.call('PUBLISH', KEYS[2], ''); return 1 end return 0`;

/**
 * The pending mode switch in Redis, so a switch started on one replica can be
 * confirmed from another and is rolled back on time by whichever replica is
 * alive. A notice on a channel tells the others to read it again.
 */
export class RedisPendingSwitchStore implements PendingSwitchStore {
  private readonly key: string;
  private readonly channel: string;
  private stored: string | null = null;
  private subscriber: Redis | undefined;
  private readonly listeners: Array<(pending: PendingSwitch | null) => void> = [];
  private readonly onUp = () => void this.reread().catch(() => undefined);

  constructor(private readonly redis: RedisConnection) {
    this.key = redis.key('mode-switch');
    this.channel = redis.key('mode-switch', 'changed');
  }

  async load(): Promise<PendingSwitch | null> {
    if (!this.subscriber) {
      this.subscriber = await this.redis.subscriber();
      this.subscriber.on('message', this.onUp);
      await this.subscriber.subscribe(this.channel);
      this.subscriber.on('ready', this.onUp);
      this.redis.on('up', this.onUp);
    }
    this.stored = await redisCall(() => this.redis.client.get(this.key));
    return parsePendingSwitch(this.stored);
  }

  stillStored(): boolean {
    return this.stored !== null;
  }

  async save(pending: PendingSwitch): Promise<void> {
    const text = JSON.stringify(pending);
    await redisExec(() => this.redis.client.multi().set(this.key, text).publish(this.channel, '').exec());
    this.stored = text;
  }

  async clear(): Promise<void> {
    await redisExec(() => this.redis.client.multi().del(this.key).publish(this.channel, '').exec());
    this.stored = null;
  }

  async claim(pending: PendingSwitch): Promise<boolean> {
    const won = (await redisCall(() => this.redis.client.eval(CLAIM, 2, this.key, this.channel, JSON.stringify(pending)))) === 1;
    if (won) this.stored = null;
    return won;
  }

  onChange(listener: (pending: PendingSwitch | null) => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.redis.off('up', this.onUp);
    this.subscriber?.disconnect();
  }

  private async reread(): Promise<void> {
    const text = await this.redis.client.get(this.key);
    if (text === this.stored) return;
    this.stored = text;
    const pending = parsePendingSwitch(text);
    for (const listener of this.listeners) listener(pending);
  }
}
