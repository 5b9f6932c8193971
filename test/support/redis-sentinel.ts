import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedis, type RunningRedis } from './redis.js';

export const SENTINEL_MASTER = 'mymaster';

/** A master, one replica and three Sentinels watching them, all real redis-server processes on free loopback ports. */
export interface SentinelSet {
  readonly master: RunningRedis;
  readonly replica: RunningRedis;
  readonly sentinels: readonly RunningRedis[];
  /** `127.0.0.1:port,…` as GATEHOUSE_REDIS_SENTINELS takes it. */
  readonly sentinelList: string;
  /** The port the Sentinels name as master right now. */
  masterPort(): Promise<number>;
  close(): Promise<void>;
}

async function ask<T>(port: number, run: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await run(client);
  } finally {
    client.disconnect();
  }
}

async function until(what: string, test: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await test().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the set and waits until the replica is in sync and every Sentinel
 * knows it, so a failover can promote it. Sentinels declare the master down
 * after 1 s, which keeps a failover test short.
 */
export async function startSentinelSet(): Promise<SentinelSet> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-sentinel-'));
  const master = await startRedis();
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  await until('the replica to sync', () => ask(replica.port, async (c) => (await c.info('replication')).includes('master_link_status:up')));
  const sentinels: RunningRedis[] = [];
  for (let i = 0; i < 3; i++) {
    const config = join(dir, `sentinel-${i}.conf`);
    await writeFile(
      config,
      [
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
        '',
      ].join('\n'),
    );
    sentinels.push(await startRedis({ sentinelConfig: config }));
  }
  for (const sentinel of sentinels) {
    await until('the Sentinels to see the replica', () => ask(sentinel.port, async (c) => ((await c.call('SENTINEL', 'REPLICAS', SENTINEL_MASTER)) as unknown[]).length > 0));
    await until('the Sentinels to see each other', () => ask(sentinel.port, async (c) => ((await c.call('SENTINEL', 'SENTINELS', SENTINEL_MASTER)) as unknown[]).length === 2));
  }
  return {
    master,
    replica,
    sentinels,
    sentinelList: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    masterPort: () => ask(sentinels[0]!.port, async (c) => Number(((await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER)) as string[])[1])),
    async close() {
      for (const node of [...sentinels, replica, master]) await node.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
