import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { ALICE, BOB, eventually, formLogin, jsonLogin, logoutForm, readAuditFile, signIn, userPasswordFixture } from '../support/user-password.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('audit log (userPassword mode)', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('records logins, failures, logout, bans, user and role changes with actor, target, ip and time, and no secret', async () => {
    fx = await userPasswordFixture([]);
    await fx.accounts.users.create({ ...ALICE }, { name: 'test' });
    const admin = { name: 'alice', ip: '198.51.100.1' };
    const wrongPasswords = Array.from({ length: 5 }, (_, i) => `a wrong guess number ${i}`);
    const bobNew = 'bob gets a brand new passphrase';

    await fx.accounts.users.create({ ...BOB }, admin);
    const session = await signIn(fx.app, ALICE, { ip: '198.51.100.1' });
    await formLogin(fx.app, { username: 'bob', password: BOB.password }, '198.51.100.2');
    await jsonLogin(fx.app, 'ghost', 'a ghost tries a password', { ip: '198.51.100.3' });
    for (const guess of wrongPasswords) await jsonLogin(fx.app, 'bob', guess, { ip: '203.0.113.66' });
    await fx.accounts.users.setRole('bob', 'viewer', admin);
    await fx.accounts.users.setPassword('bob', bobNew, admin);
    await fx.accounts.users.setDisabled('bob', true, admin);
    await fx.accounts.users.setDisabled('bob', false, admin);
    await fx.accounts.users.remove('bob', admin);
    expect((await logoutForm(fx.app, session)).statusCode).toBe(303);

    await eventually(async () => (await readAuditFile(fx.dataDir)).events.some((e) => e.event === 'logout'), 2_000, 'the logout event');
    const { text, events } = await readAuditFile(fx.dataDir);
    for (const e of events) {
      expect(e.time).toMatch(ISO);
      expect(typeof e.event).toBe('string');
      expect(typeof e.actor).toBe('string');
    }
    const find = (event: string, match: Record<string, unknown> = {}) => events.find((e) => e.event === event && Object.entries(match).every(([k, v]) => (e as unknown as Record<string, unknown>)[k] === v));

    expect(find('user.create', { target: 'alice', actor: 'test' })).toBeDefined();
    expect(find('user.create', { target: 'bob', actor: 'alice', ip: '198.51.100.1' })).toMatchObject({ details: { role: 'editor' } });
    expect(find('login.success', { actor: 'alice', ip: '198.51.100.1' })).toMatchObject({ outcome: 'success' });
    expect(find('login.success', { actor: 'bob', ip: '198.51.100.2' })).toBeDefined();
    expect(find('login.failure', { ip: '198.51.100.3' })).toMatchObject({ actor: 'anonymous', outcome: 'failure', details: { reason: 'unknown_user' } });
    expect(find('login.failure', { target: 'bob', ip: '203.0.113.66' })).toMatchObject({ details: { reason: 'wrong_password' } });
    expect(find('regulation.ban', { target: 'bob' })).toMatchObject({ actor: 'system', ip: '203.0.113.66', details: { kind: 'user' } });
    expect(find('regulation.ban', { target: '203.0.113.66' })).toMatchObject({ details: { kind: 'ip' } });
    expect(find('user.role', { target: 'bob', actor: 'alice', ip: '198.51.100.1' })).toMatchObject({ details: { from: 'editor', to: 'viewer' } });
    expect(find('user.password', { target: 'bob', actor: 'alice' })).toBeDefined();
    expect(find('user.disable', { target: 'bob', actor: 'alice' })).toBeDefined();
    expect(find('user.enable', { target: 'bob', actor: 'alice' })).toBeDefined();
    expect(find('user.delete', { target: 'bob', actor: 'alice' })).toBeDefined();
    expect(find('logout', { actor: 'alice', ip: '198.51.100.1' })).toBeDefined();

    // No password, hash or session secret ever reaches the log.
    for (const secret of [ALICE.password, BOB.password, bobNew, 'a ghost tries a password', ...wrongPasswords, session, session.split('.')[1]!]) {
      expect(text.includes(secret), secret).toBe(false);
    }
    expect(text).not.toMatch(/\$2[aby]\$\d\d\$/);
  });

  it('the audit file is private to the owner (0600)', async () => {
    fx = await userPasswordFixture([ALICE]);
    await jsonLogin(fx.app, 'ghost', 'a ghost tries a password');
    expect((await stat(join(fx.dataDir, 'audit.log'))).mode & 0o777).toBe(0o600);
  });
});
