import { appendFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { ConfigSchema } from '../../config/schema.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('audit.log rotation', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-audit-rotate-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('rotates past maxBytes, keeps `keep` files, drops the oldest, and loses none of the kept events', async () => {
    let clock = T0;
    const log = new AuditLog(dir, () => clock, () => ({ maxBytes: 2_000, keep: 2 }));
    for (let i = 0; i < 120; i++) {
      clock += 1_000;
      await log.record({ event: 'login.success', actor: `user${i}`, details: { n: i } });
    }
    const files = (await readdir(dir)).filter((f) => f.startsWith('audit.log') && !f.endsWith('.lock')).sort();
    expect(files).toEqual(['audit.log', 'audit.log.1', 'audit.log.2']);
    for (const f of files) expect((await stat(join(dir, f))).size).toBeLessThan(2_000 + 200);
    expect((await stat(join(dir, 'audit.log.1'))).size).toBeGreaterThanOrEqual(2_000);

    const events = await log.read();
    const numbers = events.map((e) => e.details!.n as number);
    // The kept files hold one unbroken run ending with the newest event.
    expect(numbers.at(-1)).toBe(119);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => 120 - numbers.length + i));
    expect(numbers.length).toBeGreaterThan(20);
    expect(numbers[0]).toBeGreaterThan(0);
  });

  it('rotated files stay private to the owner (0600)', async () => {
    const log = new AuditLog(dir, () => T0, () => ({ maxBytes: 500, keep: 3 }));
    for (let i = 0; i < 20; i++) await log.record({ event: 'login.failure', actor: 'anonymous', outcome: 'failure' });
    for (const f of ['audit.log', 'audit.log.1']) expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
  });

  it('a log without rotation settings (the CLI) only appends, whatever its size', async () => {
    await appendFile(join(dir, 'audit.log'), `${'{"time":"2026-01-01T00:00:00.000Z","event":"x","actor":"a"}\n'.repeat(200)}`);
    const log = new AuditLog(dir, () => T0);
    await log.record({ event: 'user.create', actor: 'cli:root', target: 'alice' });
    expect((await readdir(dir)).filter((f) => f.startsWith('audit.log.'))).toEqual([]);
    expect((await readFile(join(dir, 'audit.log'), 'utf8')).trimEnd().split('\n')).toHaveLength(201);
  });

  it('the config schema defaults to 10 MiB × 5 files and refuses a tiny maxBytes', () => {
    const parsed = ConfigSchema.parse({ version: 1, mode: 'open' });
    expect(parsed.audit).toEqual({ maxBytes: 10 * 1024 * 1024, keep: 5 });
    const bad = ConfigSchema.safeParse({ version: 1, mode: 'open', audit: { maxBytes: 100 } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['audit', 'maxBytes']);
  });
});
