import { redisSettings, type EnvSettings } from '../env.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * The shared backend's connection when GATEHOUSE_REDIS_URL is set, connected
 * (ioredis is loaded only then). Throws StoreUnavailableError when Redis does
 * not answer, after closing the attempt so nothing keeps the process alive.
 */
export async function connectRedis(env: EnvSettings): Promise<RedisConnection | undefined> {
  const settings = redisSettings(env);
  if (!settings) return undefined;
  const { RedisConnection } = await import('./redis-connection.js');
  const redis = new RedisConnection(settings);
  try {
    await redis.connect();
  } catch (error) {
    await redis.close().catch(() => undefined);
    throw error;
  }
  return redis;
}
