import { describe, expect, it } from 'vitest';
import { RedisPendingSwitchStore } from '../../src/admin/redis-pending-switch-store.js';
import type { PendingSwitch } from '../../src/admin/pending-switch-store.js';
import { redisSuite } from '../support/redis-suite.js';

const pending: PendingSwitch = { from: 'userPassword', to: 'open', by: 'admin', at: 1, deadline: 2 };

describe('pending mode switch in Redis', () => {
  const bed = redisSuite('pending-switch');

  async function replica(prefix = 'gatehouse:'): Promise<RedisPendingSwitchStore> {
    const store = new RedisPendingSwitchStore(await bed.connect({ prefix }));
    bed.onClose(() => store.close());
    await store.load();
    return store;
  }

  it('double-rollback-race: of replicas claiming the same overdue switch at once, exactly one wins', async () => {
    const replicas = await Promise.all([replica(), replica(), replica(), replica()]);
    await replicas[0]!.save(pending);
    for (const r of replicas) await r.load();
    const won = await Promise.all(replicas.map((r) => r.claim(pending)));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await replicas[1]!.load()).toBeNull();
  });

  it('a switch replaced meanwhile is not claimed by a replica that still holds the old one', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    await a.save(pending);
    const newer = { ...pending, to: 'token' as const, deadline: 3 };
    await b.save(newer);
    expect(await a.claim(pending)).toBe(false);
    expect(await a.load()).toEqual(newer);
  });

  it('tells the other replicas when a switch is stored or removed', async () => {
    const [a, b] = await Promise.all([replica('heard:'), replica('heard:')]);
    const heard: Array<PendingSwitch | null> = [];
    b.onChange((p) => heard.push(p));
    await a.save(pending);
    await expect.poll(() => heard.length, { timeout: 2_000 }).toBe(1);
    expect(heard[0]).toEqual(pending);
    expect(b.stillStored()).toBe(true);
    await a.clear();
    await expect.poll(() => b.stillStored(), { timeout: 2_000 }).toBe(false);
  });
});
