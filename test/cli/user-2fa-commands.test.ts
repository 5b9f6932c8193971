import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersStore } from '../../config/users-store.js';
import type { User } from '../../config/users-schema.js';
import { readAuditFile } from '../support/user-password.js';
import { seedTotp, seedUsers } from '../support/cli-accounts.js';
import { cliDataDir, gatehouse } from '../support/cli.js';

const SECRET = 'cli-test-secret-0123456789abcdefghijklmnop';

async function userNamed(dir: string, username: string): Promise<User | undefined> {
  const store = new UsersStore(dir);
  await store.open();
  return store.current.users.find((u) => u.username === username);
}

describe('gatehouse user require-2fa | reset-2fa', () => {
  let dir: string;
  let alice: User;
  beforeAll(async () => {
    dir = await cliDataDir({ mode: 'userPassword' });
    [alice] = await seedUsers(dir, [{ username: 'alice', password: 'correct horse battery staple', role: 'admin' }]) as [User];
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('user require-2fa alice on|off sets and clears the requirement', async () => {
    const on = await gatehouse(dir, ['user', 'require-2fa', 'alice', 'on']);
    expect(on.code, on.stderr).toBe(0);
    expect((await userNamed(dir, 'alice'))!.requires2fa).toBe(true);
    const off = await gatehouse(dir, ['user', 'require-2fa', 'alice', 'off']);
    expect(off.code, off.stderr).toBe(0);
    expect((await userNamed(dir, 'alice'))!.requires2fa).toBe(false);

    const [maybe, nobody] = await Promise.all([gatehouse(dir, ['user', 'require-2fa', 'alice', 'maybe']), gatehouse(dir, ['user', 'require-2fa', 'nobody', 'on'])]);
    expect(maybe.code).toBe(2);
    expect(nobody.code).toBe(1);
    expect((await userNamed(dir, 'alice'))!.requires2fa).toBe(false);
  });

  it('user reset-2fa alice wipes her TOTP and recovery codes and is audited with the CLI as actor', async () => {
    const secret = await seedTotp(dir, alice, SECRET);
    const before = await readFile(join(dir, 'credentials.json'), 'utf8');
    expect(JSON.parse(before)).toMatchObject({ totp: [{ userId: alice.id }], recovery: [{ userId: alice.id }] });

    const res = await gatehouse(dir, ['user', 'reset-2fa', 'alice']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/reset for alice/);
    const after = JSON.parse(await readFile(join(dir, 'credentials.json'), 'utf8')) as { totp: unknown[]; recovery: unknown[]; passkeys: unknown[] };
    expect(after).toMatchObject({ totp: [], recovery: [], passkeys: [] });
    expect(JSON.stringify(after)).not.toContain(secret);

    const { events } = await readAuditFile(dir);
    const reset = events.filter((e) => e.event === 'mfa.reset');
    expect(reset).toHaveLength(1);
    expect(reset[0]!.target).toBe('alice');
    expect(reset[0]!.actor).toMatch(/^cli/);

    const nobody = await gatehouse(dir, ['user', 'reset-2fa', 'nobody']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/no user named nobody/);
  });
});
