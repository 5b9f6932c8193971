import type { Logger } from 'pino';
import { BansStore } from '../../config/bans-store.js';
import type { EphemeralBackend } from '../backend/ephemeral-backend.js';
import type { RedisConnection } from '../backend/redis-connection.js';
import { LocalRegulation, type Regulation } from './regulation-backend.js';
import { Regulator, type RegulationSettings } from './regulation.js';
import { REGULATION_LOCKOUTS, SharedRegulation } from './shared-regulation.js';

/**
 * Regulation on the backend chosen at boot: with Redis, counters and bans
 * shared by every replica (bans.json is not used); embedded, counters in
 * memory and bans in bans.json. Returns the bans file too when there is one.
 */
export async function createRegulation(opts: {
  dataDir: string;
  redis: RedisConnection | undefined;
  backend: EphemeralBackend;
  settings: () => RegulationSettings;
  now: () => number;
  log: Logger;
}): Promise<{ regulation: Regulation; bansStore: BansStore | null }> {
  if (opts.redis) {
    const regulation = new SharedRegulation(opts.backend.lockouts(REGULATION_LOCKOUTS), opts.redis, { settings: opts.settings, now: opts.now, log: opts.log });
    await regulation.start();
    return { regulation, bansStore: null };
  }
  const bansStore = new BansStore(opts.dataDir);
  await bansStore.open();
  return { regulation: new LocalRegulation(new Regulator(opts.settings, opts.now), bansStore, opts.now, opts.log), bansStore };
}
