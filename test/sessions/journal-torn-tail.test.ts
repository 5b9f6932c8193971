import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import { sessionRecord } from '../support/session-records.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('sessions journal: a torn last record', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-journal-torn-'));
    const store = new FileSessionStore(dir, () => NOW, 0);
    await store.load();
    for (let i = 0; i < 3; i++) await store.put(sessionRecord(i, NOW));
    await store.close();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ['cut mid-record', (line: string) => line.slice(0, 57)],
    ['complete but for its end of line', (line: string) => line.trimEnd()],
  ])('is dropped with a warning when %s, and every earlier session is kept', async (_label, tear) => {
    const file = join(dir, 'sessions.journal');
    const whole = `{"put":${JSON.stringify(sessionRecord(99, NOW))}}\n`;
    await appendFile(file, tear(whole));
    const warnings: string[] = [];
    const store = new FileSessionStore(dir, () => NOW, 0, { warn: (m) => warnings.push(m) });
    await store.load();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(file);
    expect(warnings[0]).toMatch(/torn last record at line 5/);
    expect([...store.all()].map((s) => s.id).sort()).toEqual([0, 1, 2].map((i) => sessionRecord(i, NOW).id).sort());
    expect(store.get(sessionRecord(99, NOW).id)).toBeUndefined();
    await store.close();
  });

  it('is cut off the file, so the next change does not glue onto it and damage the journal', async () => {
    const file = join(dir, 'sessions.journal');
    await appendFile(file, '{"put":{"id":"torn');
    const first = new FileSessionStore(dir, () => NOW, 0);
    await first.load();
    await first.put(sessionRecord(7, NOW));
    await first.close();
    expect(await readFile(file, 'utf8')).not.toContain('"torn');

    const warnings: string[] = [];
    const again = new FileSessionStore(dir, () => NOW, 0, { warn: (m) => warnings.push(m) });
    await again.load();
    expect(warnings).toEqual([]);
    expect(again.get(sessionRecord(7, NOW).id)).toBeDefined();
    expect(again.size()).toBe(4);
    await again.close();
  });
});
