import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BansStore } from '../../config/bans-store.js';
import { syncBans } from '../../src/security/ban-sync.js';
import { Regulator } from '../../src/security/regulation.js';
import { eventually } from '../support/user-password.js';

const MIN = 60_000;

describe('syncBans: the regulator and bans.json in step', () => {
  let dir: string;
  let stores: BansStore[];
  const clock = { now: Date.parse('2026-11-23T12:00:00Z') };
  const log = pino({ level: 'silent' });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-bans-'));
    stores = [];
  });
  afterEach(async () => {
    for (const s of stores) s.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function open(): Promise<BansStore> {
    const store = new BansStore(dir);
    await store.open();
    stores.push(store);
    return store;
  }

  function setup(store: BansStore) {
    const regulator = new Regulator(() => ({ maxRetries: 5, findTimeMs: 10 * MIN, banTimeMs: 15 * MIN }), () => clock.now);
    const onBan = syncBans(regulator, store, () => clock.now, log);
    const ban = (ip: string) => {
      for (let i = 0; i < 5; i++) onBan(regulator.recordFailure(null, ip));
    };
    return { regulator, ban };
  }

  it('bans that start close together are all written and all stay in force', async () => {
    const store = await open();
    const { regulator, ban } = setup(store);
    const ips = Array.from({ length: 8 }, (_, i) => `203.0.113.${i + 1}`);
    for (const ip of ips) ban(ip);
    await eventually(() => store.current.bans.length === ips.length, 3_000, 'every ban in bans.json');
    for (const ip of ips) expect(regulator.isBanned(null, ip), ip).toBe(true);
  });

  it('removing a ban from the file (gatehouse unban) lifts only that ban', async () => {
    const store = await open();
    const { regulator, ban } = setup(store);
    ban('203.0.113.1');
    ban('203.0.113.2');
    await eventually(() => store.current.bans.length === 2, 3_000, 'both bans in bans.json');
    const cli = await open();
    await cli.update((doc) => ({ ...doc, bans: doc.bans.filter((b) => b.key !== '203.0.113.1') }));
    await store.reload();
    expect(regulator.isBanned(null, '203.0.113.1')).toBe(false);
    expect(regulator.isBanned(null, '203.0.113.2')).toBe(true);
  });

  it('restores the bans in the file at start, except expired ones', async () => {
    const writer = await open();
    await writer.update((doc) => ({ ...doc, bans: [{ kind: 'user', key: 'alice', until: clock.now + MIN }, { kind: 'ip', key: '203.0.113.9', until: clock.now - 1 }] }));
    const { regulator } = setup(await open());
    expect(regulator.isBanned('alice', '198.51.100.1')).toBe(true);
    expect(regulator.isBanned(null, '203.0.113.9')).toBe(false);
  });
});
