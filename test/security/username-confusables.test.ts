import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/users/user-service.js';
import type { AppFixture } from '../support/app-fixture.js';
import { ALICE, checkAs, jsonLogin, userPasswordFixture } from '../support/user-password.js';

const ADMIN = { username: 'admin', password: 'the real admin passphrase', role: 'admin' as const };

/** Attack: register a name that looks like an existing one, to be mistaken for it in the UI, headers and logs. */
describe('username confusables', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('Admin, ａｄｍｉｎ (full-width) and аdmin (Cyrillic а) cannot be created beside admin', async () => {
    fx = await userPasswordFixture([ADMIN]);
    const users = fx.accounts.users;
    for (const name of ['Admin', 'ADMIN', 'ａｄｍｉｎ', 'Ａｄｍｉｎ']) {
      await expect(users.create({ username: name, password: 'an impostor passphrase', role: 'viewer' }, { name: 'test' }), name).rejects.toMatchObject({ code: 'username_taken' });
    }
    for (const name of ['аdmin', 'adm\u200bin', '\u202enimda', 'admin ']) {
      const attempt = users.create({ username: name, password: 'an impostor passphrase', role: 'viewer' }, { name: 'test' });
      await expect(attempt, JSON.stringify(name)).rejects.toBeInstanceOf(UserError);
      await expect(attempt).rejects.toMatchObject({ code: 'invalid_username' });
    }
    expect(users.list().map((u) => u.username)).toEqual(['admin']);
  });

  it('logging in as ADMIN or ａｄｍｉｎ signs in as admin, and the check reports the stored name', async () => {
    fx = await userPasswordFixture([ADMIN]);
    for (const typed of ['ADMIN', 'ａｄｍｉｎ', ' admin ']) {
      const { res, session } = await jsonLogin(fx.app, typed, ADMIN.password);
      expect(res.statusCode, typed).toBe(200);
      expect(res.json()).toMatchObject({ user: 'admin', role: 'admin' });
      const check = await checkAs(fx.app, { session });
      expect(check.statusCode).toBe(200);
      expect(check.headers['remote-user']).toBe('admin');
    }
  });

  it('the Cyrillic look-alike cannot log in as admin, and costs a failure like any wrong name', async () => {
    fx = await userPasswordFixture([ADMIN]);
    const lookalike = await jsonLogin(fx.app, 'аdmin', ADMIN.password);
    const unknown = await jsonLogin(fx.app, 'nobody', ADMIN.password);
    expect(lookalike.res.statusCode).toBe(401);
    expect(lookalike.session).toBeUndefined();
    expect(lookalike.res.body).toBe(unknown.res.body);
  });

  it('a name created full-width is stored NFKC-normalized, so Remote-User is plain ASCII', async () => {
    fx = await userPasswordFixture([ALICE]);
    const user = await fx.accounts.users.create({ username: 'ｂｏｂ', password: 'bob likes long passphrases', role: 'viewer' }, { name: 'test' });
    expect(user.username).toBe('bob');
    expect(user.usernameKey).toBe('bob');
  });
});
