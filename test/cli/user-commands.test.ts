import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersStore } from '../../config/users-store.js';
import { prehash } from '../../src/users/password-hasher.js';
import { cliDataDir, gatehouse } from '../support/cli.js';

const ALICE_PW = 'correct horse battery staple';

async function usersJson(dir: string) {
  const store = new UsersStore(dir);
  await store.open();
  return store.current.users;
}

describe('gatehouse user …', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await cliDataDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('user add alice --role admin --password-stdin creates a bcrypt-hashed admin', async () => {
    const res = await gatehouse(dir, ['user', 'add', 'alice', '--role', 'admin', '--password-stdin', '--name', 'Alice Liddell', '--email', 'alice@example.com'], `${ALICE_PW}\n`);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('added alice (admin)');
    expect(res.stdout).toBe('');
    const [alice] = await usersJson(dir);
    expect(alice).toMatchObject({ username: 'alice', role: 'admin', displayName: 'Alice Liddell', email: 'alice@example.com', disabled: false });
    expect(alice!.passwordHash).toMatch(/^\$2[aby]\$12\$/);
    expect(bcrypt.compareSync(prehash(ALICE_PW), alice!.passwordHash)).toBe(true);
    expect(await readFile(join(dir, 'users.json'), 'utf8')).not.toContain(ALICE_PW);
  });

  it('refuses duplicates and look-alikes, weak passwords, unknown roles and users (exit 1 or 2, with a reason)', async () => {
    const run = (args: string[], stdin = 'another long passphrase\n') => gatehouse(dir, args, stdin);
    const [exact, wide, cyrillic, weak, badRole, nobody] = await Promise.all([
      run(['user', 'add', 'alice', '--role', 'viewer', '--password-stdin']),
      run(['user', 'add', 'ＡＬＩＣＥ', '--role', 'viewer', '--password-stdin']),
      run(['user', 'add', 'аlice', '--role', 'viewer', '--password-stdin']),
      run(['user', 'add', 'bob', '--role', 'viewer', '--password-stdin'], 'password123456\n'),
      run(['user', 'add', 'bob', '--role', 'root', '--password-stdin']),
      run(['user', 'set-role', 'nobody', 'admin']),
    ]);
    for (const res of [exact, wide, cyrillic, weak, nobody]) expect(res.code, res.stderr).toBe(1);
    expect(exact.stderr).toMatch(/already exists/);
    expect(wide.stderr).toMatch(/already exists/);
    expect(cyrillic.stderr).toMatch(/mix scripts/);
    expect(weak.stderr).toMatch(/common/);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/--role must be one of/);
    expect(nobody.stderr).toMatch(/no user named nobody/);
    expect((await usersJson(dir)).map((u) => u.username)).toEqual(['alice']);
  });

  it('user list [--json], passwd, set-role, disable, enable', async () => {
    const add = await gatehouse(dir, ['user', 'add', 'bob', '--role', 'editor', '--password-stdin'], 'bob likes long passphrases\n');
    expect(add.code, add.stderr).toBe(0);

    const json = await gatehouse(dir, ['user', 'list', '--json']);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(listed.map((u) => [u.username, u.role, u.disabled])).toEqual([
      ['alice', 'admin', false],
      ['bob', 'editor', false],
    ]);
    expect(json.stdout).not.toContain('$2');
    expect(json.stdout).not.toContain('passwordHash');

    const before = (await usersJson(dir)).find((u) => u.username === 'bob')!;
    const passwd = await gatehouse(dir, ['user', 'passwd', 'bob', '--password-stdin'], 'bob has a new passphrase now\n');
    const role = await gatehouse(dir, ['user', 'set-role', 'bob', 'viewer']);
    expect(passwd.code, passwd.stderr).toBe(0);
    expect(role.code, role.stderr).toBe(0);
    const after = (await usersJson(dir)).find((u) => u.username === 'bob')!;
    expect(after.passwordHash).not.toBe(before.passwordHash);
    expect(bcrypt.compareSync(prehash('bob has a new passphrase now'), after.passwordHash)).toBe(true);
    expect(after.role).toBe('viewer');

    expect((await gatehouse(dir, ['user', 'disable', 'bob'])).code).toBe(0);
    const plain = await gatehouse(dir, ['user', 'list']);
    expect(plain.stdout).toContain('bob\tviewer\tdisabled');
    expect((await gatehouse(dir, ['user', 'enable', 'bob'])).code).toBe(0);
    expect((await usersJson(dir)).find((u) => u.username === 'bob')!.disabled).toBe(false);
  });

  it('user delete removes a user, but refuses to delete or demote the last admin', async () => {
    const [lastAdmin, demoteLast] = await Promise.all([gatehouse(dir, ['user', 'delete', 'alice']), gatehouse(dir, ['user', 'set-role', 'alice', 'viewer'])]);
    for (const res of [lastAdmin, demoteLast]) {
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/no enabled admin/);
    }
    const del = await gatehouse(dir, ['user', 'delete', 'bob']);
    expect(del.code, del.stderr).toBe(0);
    expect((await usersJson(dir)).map((u) => u.username)).toEqual(['alice']);
  });

  it('hash-password --password-stdin prints a bcrypt hash of the configured cost, and refuses a weak password', async () => {
    const [ok, weak] = await Promise.all([gatehouse(dir, ['hash-password', '--password-stdin'], 'a password to be hashed\n'), gatehouse(dir, ['hash-password', '--password-stdin'], 'qwertyqwerty\n')]);
    expect(ok.code, ok.stderr).toBe(0);
    const hash = ok.stdout.trim();
    expect(hash).toMatch(/^\$2[aby]\$12\$[./A-Za-z0-9]{53}$/);
    expect(bcrypt.compareSync(prehash('a password to be hashed'), hash)).toBe(true);
    expect(weak.code).toBe(1);
    expect(weak.stdout).toBe('');
  });

  it('audit prints the events the commands recorded, with the CLI as actor and no secrets', async () => {
    const res = await gatehouse(dir, ['audit']);
    expect(res.code).toBe(0);
    for (const event of ['user.create', 'user.password', 'user.role', 'user.disable', 'user.enable', 'user.delete']) expect(res.stdout).toContain(event);
    expect(res.stdout).toMatch(/actor=cli(:\S+)? target=alice/);
    expect(res.stdout).toMatch(/user\.role +actor=cli(:\S+)? target=bob \{"from":"editor","to":"viewer"\}/);
    const log = await readFile(join(dir, 'audit.log'), 'utf8');
    for (const secret of [ALICE_PW, 'bob likes long passphrases', 'bob has a new passphrase now']) expect(log).not.toContain(secret);
  });
});
