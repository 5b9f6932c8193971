import type { Logger } from 'pino';
import type { BansStore } from '../../config/bans-store.js';
import type { BanEvent, Regulator } from './regulation.js';

/**
 * Keeps the regulator's bans and bans.json in step: bans are restored at
 * start, written when they begin, and lifted when someone (the CLI's
 * `unban`) removes them from the file.
 */
export function syncBans(regulator: Regulator, store: BansStore, now: () => number, log: Logger): (events: readonly BanEvent[]) => Promise<void> {
  for (const ban of store.current.bans) regulator.restore(ban.kind, ban.key, ban.until);
  // Only a ban that was in the file and is gone from it is lifted: a ban whose
  // own write is still queued behind another one must not count as removed.
  store.on('change', (doc, previous) => {
    const inFile = new Set(doc.bans.map((b) => `${b.kind}:${b.key}`));
    const removed = new Set(previous.bans.map((b) => `${b.kind}:${b.key}`).filter((k) => !inFile.has(k)));
    for (const ban of regulator.activeBans()) {
      if (removed.has(`${ban.kind}:${ban.key}`)) {
        regulator.unban(ban.key);
        log.info({ kind: ban.kind, key: ban.key }, 'ban lifted');
      }
    }
  });
  return async (events) => {
    if (events.length === 0) return;
    await store
      .update((doc) => ({
        ...doc,
        bans: [...doc.bans.filter((b) => b.until > now() && !events.some((e) => e.kind === b.kind && e.key === b.key)), ...events.map((e) => ({ kind: e.kind, key: e.key, until: e.until }))],
      }))
      .then(
        () => undefined,
        (error) => log.error({ err: error }, 'could not record a ban in bans.json'),
      );
  };
}

/**
 * Lifts a ban on a username or IP everywhere at once: in memory and in
 * bans.json, so a restart does not bring it back. False when nothing was banned.
 */
export async function liftBan(regulator: Regulator, store: BansStore, keys: readonly string[]): Promise<boolean> {
  const inMemory = keys.map((key) => regulator.unban(key)).some(Boolean);
  let inFile = false;
  await store.update((doc) => {
    const bans = doc.bans.filter((b) => !keys.includes(b.key));
    inFile = bans.length !== doc.bans.length;
    return { ...doc, bans };
  });
  return inMemory || inFile;
}
