import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import { waitForExit, waitForOutput } from '../support/child-process.js';
import { sessionRecord } from '../support/session-records.js';
import { spawnTokenModeServer } from '../support/token-mode-server.js';

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

describe('a server booting on a journal with a torn last record', () => {
  it('starts, keeps the sessions, and logs a warning naming the journal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-journal-torn-boot-'));
    try {
      const now = Date.now();
      const store = new FileSessionStore(dir, () => now, 0);
      await store.load();
      await store.put(sessionRecord(1, now));
      await store.close();
      await appendFile(join(dir, 'sessions.journal'), '{"put":{"id":"cut-short');
      const child = await spawnTokenModeServer(dir);
      const exited = waitForExit(child, 30_000);
      await waitForOutput(child, 'Gatehouse listening', 25_000);
      child.kill('SIGTERM');
      const { stdout, stderr } = await exited;
      const output = `${stdout}${stderr}`;
      expect(output).toContain(`${join(dir, 'sessions.journal')}: dropped a torn last record at line 3`);
      const after = new FileSessionStore(dir, () => now, 0);
      await after.load();
      expect(after.get(sessionRecord(1, now).id)).toBeDefined();
      await after.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
