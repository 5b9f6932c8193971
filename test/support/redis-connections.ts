import { afterAll, beforeAll } from 'vitest';
import { RedisConnection } from '../../src/backend/redis-connection.js';
import { startRedis, type RunningRedis } from './redis.js';

export interface RedisBed {
  /** The file's redis-server (after beforeAll). */
  readonly server: RunningRedis;
  /** A connected RedisConnection with `prefix`, to the server or to another port on loopback (a relay); closed after the file. */
  connect(prefix?: string, port?: number): Promise<RedisConnection>;
  /** Runs `close` after the file's tests, before the connections close (last registered first). */
  later(close: () => unknown): void;
}

/** One real redis-server for a test file, and everything opened on it closed after the file. */
export function useRedis(): RedisBed {
  let server: RunningRedis | undefined;
  const closers: Array<() => unknown> = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await server?.close();
  });
  return {
    get server() {
      return server!;
    },
    async connect(prefix = 'gatehouse:', port = server!.port) {
      const connection = new RedisConnection({ url: `redis://127.0.0.1:${port}/0`, prefix });
      await connection.connect();
      closers.push(() => connection.close());
      return connection;
    },
    later(close) {
      closers.push(close);
    },
  };
}
