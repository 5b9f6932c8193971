import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { UsersStore } from '../../config/users-store.js';
import type { AppFixture } from '../support/app-fixture.js';
import { ALICE, BOB, checkAs, eventually, sessionFor, signIn, userPasswordFixture } from '../support/user-password.js';

const actor = { name: 'alice' };

/** Sessions end when the account they belong to changes, whoever makes the change. */
describe('sessions end on account changes', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  async function twoBobSessions() {
    fx = await userPasswordFixture([ALICE, BOB]);
    const bob1 = await sessionFor(fx, 'bob');
    const bob2 = await sessionFor(fx, 'bob');
    const alice = await sessionFor(fx, 'alice');
    for (const session of [bob1, bob2, alice]) expect((await checkAs(fx.app, { session })).statusCode).toBe(200);
    return { bob1, bob2, alice };
  }

  async function expectEnded(sessions: string[], survivor: string) {
    await eventually(async () => {
      for (const session of sessions) if ((await checkAs(fx.app, { session })).statusCode !== 401) return false;
      return true;
    }, 2_000, 'the sessions to end');
    expect((await checkAs(fx.app, { session: survivor })).statusCode).toBe(200);
  }

  it('password change', async () => {
    const { bob1, bob2, alice } = await twoBobSessions();
    await fx.accounts.users.setPassword('bob', 'a completely new passphrase', actor);
    await expectEnded([bob1, bob2], alice);
  });

  it('role change', async () => {
    const { bob1, bob2, alice } = await twoBobSessions();
    await fx.accounts.users.setRole('bob', 'viewer', actor);
    await expectEnded([bob1, bob2], alice);
    // Signing in again gives the new role.
    const again = await signIn(fx.app, BOB);
    expect((await checkAs(fx.app, { session: again })).headers['remote-groups']).toBe('viewer');
  });

  it('disable, and the disabled user cannot sign in again', async () => {
    const { bob1, bob2, alice } = await twoBobSessions();
    await fx.accounts.users.setDisabled('bob', true, actor);
    await expectEnded([bob1, bob2], alice);
    await expect(signIn(fx.app, BOB)).rejects.toThrow(/401/);
  });

  it('delete', async () => {
    const { bob1, bob2, alice } = await twoBobSessions();
    await fx.accounts.users.remove('bob', actor);
    await expectEnded([bob1, bob2], alice);
  });

  it('a display-name-only edit ends nothing', async () => {
    const { bob1, alice } = await twoBobSessions();
    await fx.accounts.usersStore.update((doc) => ({ ...doc, users: doc.users.map((u) => (u.username === 'bob' ? { ...u, displayName: 'Robert' } : u)) }));
    expect((await checkAs(fx.app, { session: bob1 })).statusCode).toBe(200);
    expect((await checkAs(fx.app, { session: alice })).statusCode).toBe(200);
  });

  describe('when the change is written to users.json by another process (the CLI)', () => {
    async function editFile(edit: (users: UsersStore) => Promise<unknown>) {
      const cli = new UsersStore(fx.dataDir);
      await cli.open();
      await edit(cli);
      cli.close();
      await fx.accounts.usersStore.reload();
    }

    it('role change', async () => {
      const { bob1, bob2, alice } = await twoBobSessions();
      await editFile((s) => s.update((doc) => ({ ...doc, users: doc.users.map((u) => (u.username === 'bob' ? { ...u, role: 'viewer' as const } : u)) })));
      await expectEnded([bob1, bob2], alice);
    });

    it('password change', async () => {
      const { bob1, bob2, alice } = await twoBobSessions();
      const newHash = await fx.accounts.hasher.hash('a completely new passphrase', 10);
      await editFile((s) => s.update((doc) => ({ ...doc, users: doc.users.map((u) => (u.username === 'bob' ? { ...u, passwordHash: newHash } : u)) })));
      await expectEnded([bob1, bob2], alice);
      expect((await checkAs(fx.app, { session: await signIn(fx.app, { username: 'bob', password: 'a completely new passphrase' }) })).statusCode).toBe(200);
    });

    it('disable', async () => {
      const { bob1, bob2, alice } = await twoBobSessions();
      await editFile((s) => s.update((doc) => ({ ...doc, users: doc.users.map((u) => (u.username === 'bob' ? { ...u, disabled: true } : u)) })));
      await expectEnded([bob1, bob2], alice);
    });

    it('delete', async () => {
      const { bob1, bob2, alice } = await twoBobSessions();
      await editFile((s) => s.update((doc) => ({ ...doc, users: doc.users.filter((u) => u.username !== 'bob') })));
      await expectEnded([bob1, bob2], alice);
    });

    it('an invalid hand edit is refused and ends nothing', async () => {
      const { bob1 } = await twoBobSessions();
      await writeFile(fx.accounts.usersStore.file, '{"version":1,"users":[{"username":"bob"}]}');
      await fx.accounts.usersStore.reload();
      expect((await checkAs(fx.app, { session: bob1 })).statusCode).toBe(200);
      expect(fx.accounts.users.list().map((u) => u.username).sort()).toEqual(['alice', 'bob']);
    });
  });
});
