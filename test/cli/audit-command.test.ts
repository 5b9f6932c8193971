import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gatehouse } from '../support/cli.js';

const line = (n: number, event: string) => `${JSON.stringify({ time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(), event, actor: `user${n}` })}\n`;

describe('gatehouse audit', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-audit-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('prints the newest matching events, oldest first, reaching into rotated files only as needed', async () => {
    await appendFile(join(dir, 'audit.log.1'), [0, 1, 2, 3].map((n) => line(n, n % 2 ? 'user.create' : 'login.success')).join(''));
    await appendFile(join(dir, 'audit.log'), [4, 5, 6].map((n) => line(n, n % 2 ? 'user.create' : 'login.success')).join(''));
    const res = await gatehouse(dir, ['audit', '--event', 'user', '--limit', '3', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { actor: string }).actor)).toEqual(['user1', 'user3', 'user5']);
  });
});
