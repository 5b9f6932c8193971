import { appendFile, mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const GIB = 1024 * 1024 * 1024;

/** `count` event lines, one second apart, numbered from `first`. */
function eventLines(count: number, first = 0): string {
  let text = '';
  for (let i = first; i < first + count; i++) {
    text += `${JSON.stringify({ time: new Date(T0 + i * 1_000).toISOString(), event: i % 2 === 0 ? 'login.success' : 'login.failure', actor: `user${i % 10}`, details: { n: i } })}\n`;
  }
  return text;
}

describe('reading the audit log from its newest end', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-audit-newest-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('serves the newest page of a 1 GiB log without loading it whole', async () => {
    const file = join(dir, 'audit.log');
    // A gigabyte of old log (sparse: costs no disk), then the recent events; reading it whole would not even fit in a string.
    await truncate(file, GIB).catch(async () => {
      await appendFile(file, '');
      await truncate(file, GIB);
    });
    await appendFile(file, `\n${eventLines(50_000)}`);
    const log = new AuditLog(dir, () => T0);

    // Past the first 4 MiB read, it stops as soon as the page is full: the old gigabyte is never reached.
    const page = await log.newest({ take: 50 });
    expect(page.events.map((e) => e.details!.n)).toEqual(Array.from({ length: 50 }, (_, i) => 49_999 - i));
    expect(page.complete).toBe(false);
    expect(page.total).toBeGreaterThan(50);

    const failures = await log.newest({ take: 20, skip: 20, match: (e) => e.event === 'login.failure', countWithinBytes: 0 });
    expect(failures.events.map((e) => e.details!.n)).toEqual(Array.from({ length: 20 }, (_, i) => 49_999 - 40 - 2 * i));
  });

  it('counts every match exactly when the log is small, across rotated files, newest first', async () => {
    await appendFile(join(dir, 'audit.log.2'), eventLines(10, 0));
    await appendFile(join(dir, 'audit.log.1'), eventLines(10, 10));
    await appendFile(join(dir, 'audit.log'), eventLines(10, 20));
    const log = new AuditLog(dir, () => T0);
    const result = await log.newest({ take: 5, skip: 5, match: (e) => e.actor === 'user3' });
    expect(result.complete).toBe(true);
    expect(result.total).toBe(3);
    expect(result.events).toEqual([]);
    const all = await log.newest({ take: 100 });
    expect(all.events.map((e) => e.details!.n)).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i));
    expect((await log.read()).map((e) => e.details!.n)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('skips a torn last line and an overlong damaged line, and reads the events around them', async () => {
    const file = join(dir, 'audit.log');
    await appendFile(file, `${eventLines(3, 0)}${'x'.repeat(3 * 1024 * 1024)}\n${eventLines(3, 3)}{"time":"2026-01-01T00:0`);
    const log = new AuditLog(dir, () => T0);
    expect((await log.newest({ take: 10 })).events.map((e) => e.details!.n)).toEqual([5, 4, 3, 2, 1, 0]);
  });

  it('stops reading once past `since`', async () => {
    await appendFile(join(dir, 'audit.log'), eventLines(1_000));
    const log = new AuditLog(dir, () => T0);
    const since = T0 + 900_000;
    const result = await log.newest({ take: 10, since, match: (e) => Date.parse(e.time) >= since });
    expect(result.complete).toBe(true);
    expect(result.total).toBe(100);
  });
});
