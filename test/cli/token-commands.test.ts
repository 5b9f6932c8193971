import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokensStore } from '../../config/tokens-store.js';
import { readAuditFile } from '../support/user-password.js';
import { seedUsers } from '../support/cli-accounts.js';
import { cliDataDir, gatehouse } from '../support/cli.js';

const DAY = 24 * 60 * 60_000;

async function storedTokens(dir: string) {
  const store = new TokensStore(dir);
  await store.open();
  return store.current.tokens;
}

describe('gatehouse token create|list|revoke', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await cliDataDir({ mode: 'userPassword' });
    await seedUsers(dir, [
      { username: 'alice', password: 'correct horse battery staple', role: 'admin' },
      { username: 'bob', password: 'bob likes long passphrases', role: 'editor' },
    ]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('token create --user alice --role viewer --expires 30d prints a gh_ token once; list --json never shows the hash or token; revoke removes it', async () => {
    const started = Date.now();
    const created = await gatehouse(dir, ['token', 'create', '--user', 'alice', '--role', 'viewer', '--expires', '30d']);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(created.stdout).toBe(`${token}\n`); // the token and nothing else on stdout
    expect(token).toMatch(/^gh_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/shown once/);
    expect(created.stderr).not.toContain(token);
    const id = token.split('_')[1]!;

    const [record] = await storedTokens(dir);
    expect(record).toMatchObject({ id, role: 'viewer', name: 'cli' });
    const expiresIn = Date.parse(record!.expiresAt!) - started;
    expect(expiresIn).toBeGreaterThan(30 * DAY - 60_000);
    expect(expiresIn).toBeLessThan(30 * DAY + 60_000);
    const fileText = await readFile(join(dir, 'tokens.json'), 'utf8');
    expect(fileText).not.toContain(token.slice('gh_'.length + 17));

    const [json, text] = await Promise.all([gatehouse(dir, ['token', 'list', '--json']), gatehouse(dir, ['token', 'list'])]);
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(listed).toEqual([expect.objectContaining({ id, user: 'alice', role: 'viewer', name: 'cli', expiresAt: record!.expiresAt })]);
    expect(listed[0]).not.toHaveProperty('hash');
    for (const out of [json.stdout, text.stdout]) {
      expect(out).not.toContain(record!.hash);
      expect(out).not.toContain(token);
      expect(out).not.toContain(token.slice('gh_'.length + 17));
    }
    expect(text.stdout).toContain(`${id}\talice\tviewer`);

    const revoked = await gatehouse(dir, ['token', 'revoke', id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await storedTokens(dir)).toEqual([]);
    const [empty, again] = await Promise.all([gatehouse(dir, ['token', 'list', '--json']), gatehouse(dir, ['token', 'revoke', id])]);
    expect(JSON.parse(empty.stdout)).toEqual([]);
    expect(again.code).toBe(1);

    const { text: audit, events } = await readAuditFile(dir);
    expect(events.filter((e) => e.event === 'token.create' || e.event === 'token.revoke').map((e) => [e.event, e.target])).toEqual([
      ['token.create', 'alice'],
      ['token.revoke', 'alice'],
    ]);
    expect(events.find((e) => e.event === 'token.create')!.actor).toMatch(/^cli/);
    expect(audit).not.toContain(token);
  });

  it('refuses a role above the owner\'s, an unknown user, a bad expiry or role', async () => {
    const [tooHigh, nobody, badExpiry, badRole, noUser] = await Promise.all([
      gatehouse(dir, ['token', 'create', '--user', 'bob', '--role', 'admin']),
      gatehouse(dir, ['token', 'create', '--user', 'nobody']),
      gatehouse(dir, ['token', 'create', '--user', 'bob', '--expires', 'soon']),
      gatehouse(dir, ['token', 'create', '--user', 'bob', '--role', 'root']),
      gatehouse(dir, ['token', 'create']),
    ]);
    expect(tooHigh.code).toBe(1);
    expect(tooHigh.stderr).toMatch(/higher role/);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/no user named nobody/);
    for (const res of [badExpiry, badRole, noUser]) expect(res.code, res.stderr).toBe(2);
    for (const res of [tooHigh, nobody, badExpiry, badRole, noUser]) expect(res.stdout).not.toMatch(/gh_/);
    expect(await storedTokens(dir)).toEqual([]);
  });
});
