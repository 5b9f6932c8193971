import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliDataDir, gatehouse } from '../support/cli.js';

describe('gatehouse mode set / unban', () => {
  it('mode set userPassword is refused without an admin and accepted with one', async () => {
    const dir = await cliDataDir();
    try {
      const refused = await gatehouse(dir, ['mode', 'set', 'userPassword']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/gatehouse user add <name> --role admin/);
      expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')).mode).toBe('open');

      expect((await gatehouse(dir, ['user', 'add', 'root', '--role', 'admin', '--password-stdin'], 'the root passphrase is long\n')).code).toBe(0);
      const accepted = await gatehouse(dir, ['mode', 'set', 'userPassword']);
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(accepted.stdout).toContain('mode is now userPassword');
      expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')).mode).toBe('userPassword');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('unban with no ban exits 1; with a ban in bans.json it lifts that one', async () => {
    const dir = await cliDataDir();
    try {
      const none = await gatehouse(dir, ['unban', 'alice']);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/no active ban for alice/);
      const until = Date.now() + 600_000;
      await writeFile(join(dir, 'bans.json'), JSON.stringify({ version: 1, bans: [{ kind: 'user', key: 'alice', until }, { kind: 'ip', key: '203.0.113.66', until }] }));
      const lifted = await gatehouse(dir, ['unban', 'ALICE']);
      expect(lifted.code, lifted.stderr).toBe(0);
      expect(JSON.parse(await readFile(join(dir, 'bans.json'), 'utf8')).bans).toEqual([{ kind: 'ip', key: '203.0.113.66', until }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
