import type { Logger } from 'pino';
import type { RedisConnection } from './redis-connection.js';
import { DEFAULT_REDIS_GRACE_MS, redisTarget } from './redis-settings.js';

/** What /api/health and /metrics say about the state store. */
export interface StoreStatus {
  /** `embedded` (the data dir) or `redis`. */
  readonly store: 'embedded' | 'redis';
  readonly up: boolean;
  /** ISO time the outage began, while down. */
  readonly downSince?: string;
  /** True once the grace is over: checks answer 503. */
  readonly failingClosed?: boolean;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Watches the shared store for the whole process and decides what checks do
 * during an outage: they go on from memory for `graceMs`, then fail closed.
 * `checksJudged` is a plain field flipped by a timer, so the check path pays
 * one property read for it. Each change of state is one structured log line
 * (down, failing closed, up with how long it was down), never one per retry.
 */
export class StoreHealth {
  /** False once Redis has been unreachable for longer than the grace: checks then answer 503. */
  checksJudged = true;
  private downAt: number | null = null;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisConnection | undefined,
    private readonly deps: { log: Logger; now: () => number },
  ) {
    if (!redis) return;
    redis.on('down', (error) => this.down(error));
    redis.on('up', () => this.up());
    if (!redis.isUp) this.down(new Error('not connected'));
  }

  status(): StoreStatus {
    if (!this.redis) return { store: 'embedded', up: true };
    if (this.downAt === null) return { store: 'redis', up: true };
    return { store: 'redis', up: false, downSince: new Date(this.downAt).toISOString(), failingClosed: !this.checksJudged };
  }

  stop(): void {
    clearTimeout(this.graceTimer);
  }

  private down(error: Error): void {
    if (this.downAt !== null || !this.redis) return;
    this.downAt = this.deps.now();
    const graceMs = this.redis.settings.graceMs ?? DEFAULT_REDIS_GRACE_MS;
    const where = redisTarget(this.redis.settings);
    this.deps.log.error(
      { store: 'redis', storeState: 'down', reason: error.message, graceMs },
      `Redis (${where}) is unreachable: logins, logouts and admin changes answer 503; checks go on from memory for ${seconds(graceMs)}, then answer 503`,
    );
    this.graceTimer = setTimeout(() => {
      this.checksJudged = false;
      this.deps.log.error({ store: 'redis', storeState: 'failing_closed', graceMs }, `Redis still unreachable after ${seconds(graceMs)}: checks answer 503 until it is back`);
    }, graceMs);
    this.graceTimer.unref();
  }

  private up(): void {
    if (this.downAt === null) return;
    const downForMs = this.deps.now() - this.downAt;
    clearTimeout(this.graceTimer);
    this.downAt = null;
    this.checksJudged = true;
    this.deps.log.info({ store: 'redis', storeState: 'up', downForMs }, `Redis is reachable again after ${seconds(downForMs)}; resyncing from it`);
  }
}
