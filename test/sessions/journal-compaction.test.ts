import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import { sessionRecord } from '../support/session-records.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;

describe('sessions journal compaction', () => {
  let dir: string;
  let clock: { now: number };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-journal-compact-'));
    clock = { now: NOW };
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const reload = async () => {
    const store = new FileSessionStore(dir, () => clock.now, 0);
    await store.load();
    return store;
  };

  it('loses no change made while it runs', async () => {
    const store = await reload();
    for (let i = 0; i < 3_000; i++) await store.put(sessionRecord(i, NOW));
    const compaction = store.compact();
    // Changes racing the rewrite: logins, logouts and last-seen times.
    const racing: Array<Promise<void>> = [];
    for (let i = 3_000; i < 3_200; i++) racing.push(store.put(sessionRecord(i, NOW)));
    racing.push(store.delete([sessionRecord(5, NOW).id, sessionRecord(3_100, NOW).id]));
    store.touch(sessionRecord(7, NOW).id, NOW + 42);
    racing.push(store.flush());
    await Promise.all([compaction, ...racing]);
    await store.close();

    const again = await reload();
    expect(again.size()).toBe(3_198);
    expect(again.get(sessionRecord(5, NOW).id)).toBeUndefined();
    expect(again.get(sessionRecord(3_100, NOW).id)).toBeUndefined();
    expect(again.get(sessionRecord(3_199, NOW).id)).toBeDefined();
    expect(again.get(sessionRecord(7, NOW).id)!.lastSeenAt).toBe(NOW + 42);
    await again.close();
  });

  it('shrinks the journal to the live sessions: revoked and expired ones are gone from disk', async () => {
    const store = await reload();
    for (let i = 0; i < 200; i++) await store.put(sessionRecord(i, NOW, { expiresAt: NOW + (i < 50 ? HOUR : 24 * HOUR) }));
    await store.delete(Array.from({ length: 100 }, (_, i) => sessionRecord(100 + i, NOW).id));
    const before = (await stat(store.file)).size;
    clock.now = NOW + 2 * HOUR;
    await store.compact();
    const text = await readFile(store.file, 'utf8');
    expect((await stat(store.file)).size).toBeLessThan(before / 3);
    expect(text.trimEnd().split('\n')).toHaveLength(1 + 50);
    expect(text).not.toContain(sessionRecord(0, NOW).id);
    expect(text).not.toContain(sessionRecord(150, NOW).id);
    // It holds secret hashes: private to the owner, before and after a rewrite.
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
    await store.close();
  });

  it('starts by itself once the journal has outgrown twice its live size, and the result reloads whole', async () => {
    const store = new FileSessionStore(dir, () => clock.now, 0, { compactSlackBytes: 20_000 });
    await store.load();
    const live: string[] = [];
    for (let i = 0; i < 400; i++) {
      await store.put(sessionRecord(i, NOW));
      // Most sessions end soon after they start: the journal fills with what is gone.
      if (i % 4 !== 0) await store.delete([sessionRecord(i, NOW).id]);
      else live.push(sessionRecord(i, NOW).id);
    }
    await store.close();
    const text = await readFile(store.file, 'utf8');
    // Without compaction it would hold 400 puts and 300 deletes.
    expect(text.trimEnd().split('\n').length).toBeLessThan(400);
    const again = await reload();
    expect([...again.all()].map((s) => s.id).sort()).toEqual(live.sort());
    await again.close();
  });

  it('prune() drops expired sessions from memory', async () => {
    const store = await reload();
    for (let i = 0; i < 1_200; i++) await store.put(sessionRecord(i, NOW, { expiresAt: NOW + (i % 2 === 0 ? HOUR : 24 * HOUR) }));
    clock.now = NOW + 2 * HOUR;
    await store.prune();
    expect(store.size()).toBe(600);
    expect([...store.all()].every((s) => s.expiresAt > clock.now)).toBe(true);
    await store.close();
  });
});
