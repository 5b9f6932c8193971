import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import { sessionRecord } from '../support/session-records.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('sessions journal: last-seen times', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-journal-seen-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('a flush appends only the sessions touched since the last one, in bounded lines, and a restart keeps them', async () => {
    const store = new FileSessionStore(dir, () => NOW, 0);
    await store.load();
    for (let i = 0; i < 5_000; i++) await store.put(sessionRecord(i, NOW));
    const before = (await readFile(store.file, 'utf8')).length;
    for (let i = 0; i < 4_500; i++) store.touch(sessionRecord(i, NOW).id, NOW + 1_000 + i);
    await store.flush();
    const appended = (await readFile(store.file, 'utf8')).slice(before).trimEnd().split('\n');
    expect(appended.length).toBeGreaterThan(1);
    expect(appended.every((line) => line.startsWith('{"seen":{') && line.length < 64 * 1024)).toBe(true);
    // Nothing new to say: a second flush writes nothing.
    const size = (await readFile(store.file, 'utf8')).length;
    await store.flush();
    expect((await readFile(store.file, 'utf8')).length).toBe(size);
    await store.close();

    const again = new FileSessionStore(dir, () => NOW, 0);
    await again.load();
    expect(again.get(sessionRecord(0, NOW).id)!.lastSeenAt).toBe(NOW + 1_000);
    expect(again.get(sessionRecord(4_499, NOW).id)!.lastSeenAt).toBe(NOW + 5_499);
    expect(again.get(sessionRecord(4_999, NOW).id)!.lastSeenAt).toBe(NOW);
    await again.close();
  });

  it('close() writes the last-seen times still pending', async () => {
    const store = new FileSessionStore(dir, () => NOW, 0);
    await store.load();
    await store.put(sessionRecord(1, NOW));
    store.touch(sessionRecord(1, NOW).id, NOW + 77);
    await store.close();
    const again = new FileSessionStore(dir, () => NOW, 0);
    await again.load();
    expect(again.get(sessionRecord(1, NOW).id)!.lastSeenAt).toBe(NOW + 77);
    await again.close();
  });
});
