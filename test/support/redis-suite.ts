import { afterAll, beforeAll } from 'vitest';
import { RedisConnection } from '../../src/backend/redis-connection.js';
import { startRedis, type RunningRedis } from './redis.js';

export interface RedisSuite {
  /** The running server (started before the suite's tests). */
  readonly server: RunningRedis;
  /** A connected RedisConnection with `prefix` (default: a fresh one per call), closed after the suite. */
  connect(options?: { prefix?: string; url?: string }): Promise<RedisConnection>;
  /** A fresh key prefix, so each test sees an empty installation. */
  freshPrefix(): string;
  /** Runs after the suite, before the connections close (stores to close first). */
  onClose(close: () => void | Promise<void>): void;
}

/** A real redis-server for the describe block it is called in, and every connection made through it closed after. */
export function redisSuite(name: string): RedisSuite {
  let server: RunningRedis | undefined;
  let prefixes = 0;
  const connections: RedisConnection[] = [];
  const closers: Array<() => void | Promise<void>> = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const close of closers) await close();
    for (const connection of connections) await connection.close();
    await server?.close();
  });
  const suite: RedisSuite = {
    get server() {
      if (!server) throw new Error('redis-server is not started yet: use the suite inside a test or hook');
      return server;
    },
    freshPrefix: () => `${name}-${++prefixes}:`,
    async connect(options = {}) {
      const connection = new RedisConnection({ url: options.url ?? suite.server.url, prefix: options.prefix ?? suite.freshPrefix() });
      connections.push(connection);
      await connection.connect();
      return connection;
    },
    onClose: (close) => void closers.push(close),
  };
  return suite;
}
