import type { Logger } from 'pino';
import type { BansStore } from '../../config/bans-store.js';
import type { BanEvent, Regulator } from './regulation.js';

/**
 * Keeps the regulator's bans and bans.json in step: bans are restored at
 * start, written when they begin, and lifted when someone (the CLI's
 * `unban`) removes them from the file.
 */
export function syncBans(regulator: Regulator, store: BansStore, now: () => number, log: Logger): (events: readonly BanEvent[]) => void {
  for (const ban of store.current.bans) regulator.restore(ban.kind, ban.key, ban.until);
  store.on('change', (doc) => {
    const inFile = new Set(doc.bans.map((b) => `${b.kind}:${b.key}`));
    for (const ban of regulator.activeBans()) {
      if (!inFile.has(`${ban.kind}:${ban.key}`)) {
        regulator.unban(ban.key);
        log.info({ kind: ban.kind, key: ban.key }, 'ban lifted');
      }
    }
  });
  return (events) => {
    if (events.length === 0) return;
    store
      .update((doc) => ({
        ...doc,
        bans: [...doc.bans.filter((b) => b.until > now() && !events.some((e) => e.kind === b.kind && e.key === b.key)), ...events.map((e) => ({ kind: e.kind, key: e.key, until: e.until }))],
      }))
      .catch((error) => log.error({ err: error }, 'could not record a ban in bans.json'));
  };
}
