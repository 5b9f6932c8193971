import type { RedisConnection } from './redis-connection.js';
import { MemoryLockoutCounter, type LockoutCounter } from './lockout-counter.js';
import { MemoryOneTimeStore, type OneTimeStore } from './one-time-store.js';
import { RedisLockoutCounter } from './redis-lockout-counter.js';
import { RedisOneTimeStore } from './redis-one-time-store.js';

/**
 * Where single-use values and failure counters live, chosen once at boot:
 * process memory (embedded, one process) or Redis (several replicas). Each
 * user of it asks for its own namespace; none of them knows which backend
 * it got.
 */
export interface EphemeralBackend {
  /** True when the values are shared with other replicas. */
  readonly shared: boolean;
  oneTime(namespace: string, options?: { capacity?: number }): OneTimeStore;
  lockouts(namespace: string): LockoutCounter;
}

export function ephemeralBackend(redis: RedisConnection | undefined, now: () => number): EphemeralBackend {
  if (redis) {
    return {
      shared: true,
      oneTime: (namespace) => new RedisOneTimeStore(redis, namespace, now),
      lockouts: (namespace) => new RedisLockoutCounter(redis, namespace, now),
    };
  }
  return {
    shared: false,
    oneTime: (_namespace, options) => new MemoryOneTimeStore(now, options?.capacity),
    lockouts: () => new MemoryLockoutCounter(now),
  };
}
