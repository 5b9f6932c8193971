import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokensStore } from '../../config/tokens-store.js';
import { UserSchema, type User } from '../../config/users-schema.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { TOKEN_IN_TEXT, TokenError, TokenService, tokenView } from '../../src/tokens/token-service.js';

function user(id: string, username: string, role: User['role'], extra: Partial<User> = {}): User {
  const stamp = '2026-11-23T12:00:00.000Z';
  return UserSchema.parse({ id, username, usernameKey: username, role, createdAt: stamp, updatedAt: stamp, ...extra });
}

describe('TokenService', () => {
  let dir: string;
  let store: TokensStore;
  let clock: { now: number };
  let users: Map<string, User>;
  let service: TokenService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-tokens-'));
    store = new TokensStore(dir);
    await store.open();
    clock = { now: Date.parse('2026-11-23T12:00:00Z') };
    users = new Map([
      ['alice-0001', user('alice-0001', 'alice', 'admin')],
      ['bob-00001', user('bob-00001', 'bob', 'editor')],
    ]);
    service = new TokenService(store, { audit: new AuditLog(dir, () => clock.now), now: () => clock.now, findUser: (id) => users.get(id) });
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates gh_<id>_<secret>, stores only sha256 of the secret, and verifies it as the owner with the token\'s role, aal2 + tok', async () => {
    const { token, record } = await service.create(users.get('alice-0001')!, { name: 'ci', role: 'viewer' }, { name: 'alice' });
    expect(token).toMatch(/^gh_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(TOKEN_IN_TEXT.test(token)).toBe(true);
    expect(JSON.stringify(store.current)).not.toContain(token.slice('gh_'.length + 17));
    expect(record.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenView(record, 'alice')).not.toHaveProperty('hash');
    expect(service.verify(token, 'app.example.com')).toMatchObject({ id: 'local:alice-0001', username: 'alice', role: 'viewer', amr: ['tok'], acr: 'aal2' });
  });

  it('without a role, a token takes the owner\'s; a higher role is refused', async () => {
    const bob = users.get('bob-00001')!;
    const { token } = await service.create(bob, { name: 'ci' }, { name: 'bob' });
    expect(service.verify(token, undefined)?.role).toBe('editor');
    await expect(service.create(bob, { name: 'x', role: 'admin' }, { name: 'bob' })).rejects.toMatchObject({ code: 'role_too_high' });
    await expect(service.create(bob, { name: 'x', expiresInMs: 0 }, { name: 'bob' })).rejects.toBeInstanceOf(TokenError);
  });

  it('expires exactly at expiresAt', async () => {
    const { token, record } = await service.create(users.get('bob-00001')!, { name: 'ci', expiresInMs: 30 * 24 * 3600_000 }, { name: 'bob' });
    expect(record.expiresAt).toBe('2026-12-23T12:00:00.000Z');
    clock.now = Date.parse(record.expiresAt!) - 1;
    expect(service.verify(token, undefined)).not.toBeNull();
    clock.now += 1;
    expect(service.verify(token, undefined)).toBeNull();
  });

  it('follows its owner: disabled or deleted → null; demoted → the lower role', async () => {
    const { token } = await service.create(users.get('bob-00001')!, { name: 'ci' }, { name: 'bob' });
    users.set('bob-00001', { ...users.get('bob-00001')!, role: 'viewer' });
    expect(service.verify(token, undefined)?.role).toBe('viewer');
    users.set('bob-00001', { ...users.get('bob-00001')!, disabled: true });
    expect(service.verify(token, undefined)).toBeNull();
    users.delete('bob-00001');
    expect(service.verify(token, undefined)).toBeNull();
  });

  it('a domain list restricts the hosts (subdomains included, look-alikes not); revoke removes it', async () => {
    const { token, record } = await service.create(users.get('alice-0001')!, { name: 'ci', domains: ['app.example.com'] }, { name: 'alice' });
    expect(service.verify(token, 'app.example.com')).not.toBeNull();
    expect(service.verify(token, 'api.app.example.com')).not.toBeNull();
    expect(service.verify(token, 'evilapp.example.com')).toBeNull();
    expect(service.verify(token, 'example.com')).toBeNull();
    expect(service.verify(token, undefined)).toBeNull();
    expect(await service.revoke(record.id, { name: 'alice' })).toBe(true);
    expect(service.verify(token, 'app.example.com')).toBeNull();
    expect(await service.revoke(record.id, { name: 'alice' })).toBe(false);
  });

  it('malformed and forged tokens are null', async () => {
    const { token } = await service.create(users.get('alice-0001')!, { name: 'ci' }, { name: 'alice' });
    // The secret is base64url, so it may itself contain "_".
    const [, id, secret] = /^gh_([0-9a-f]{16})_(.+)$/.exec(token) as unknown as [string, string, string];
    for (const bad of ['', 'gh_', `gh_${id}`, `gh_${id}_${secret}x`, `gh_${id}_${secret.slice(0, -1)}`, `GH_${id}_${secret}`, `gh_${'0'.repeat(16)}_${secret}`, ` ${token}`]) {
      expect(service.verify(bad, undefined), JSON.stringify(bad)).toBeNull();
    }
  });
});
