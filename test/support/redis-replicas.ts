import { randomBytes } from 'node:crypto';
import { RedisConnection } from '../../src/backend/redis-connection.js';
import { startRedis } from './redis.js';

/**
 * A real redis-server and independent connections to it, each standing for
 * one replica's (as two Gatehouse processes would hold them), under a key
 * prefix of their own so tests sharing the server never see each other.
 */
export async function redisReplicas(count = 2): Promise<{ url: string; prefix: string; connections: RedisConnection[]; stopRedis(): Promise<void>; close(): Promise<void> }> {
  const redis = await startRedis();
  const prefix = `gh-test-${randomBytes(4).toString('hex')}:`;
  const connections: RedisConnection[] = [];
  for (let i = 0; i < count; i++) {
    const connection = new RedisConnection({ url: redis.url, prefix });
    await connection.connect();
    connections.push(connection);
  }
  return {
    url: redis.url,
    prefix,
    connections,
    stopRedis: () => redis.close(),
    async close() {
      for (const c of connections) await c.close();
      await redis.close();
    },
  };
}
