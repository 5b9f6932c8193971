import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PasskeyEntry } from '../../config/mfa-schema.js';
import type { AppFixture } from '../support/app-fixture.js';
import { enrolTotp, loginWithTotp, passwordStep, userNamed } from '../support/mfa.js';
import { ALICE, api, BOB, checkAs, jsonLogin, readAuditFile, userPasswordFixture } from '../support/user-password.js';

/** A stored passkey for `userId`, as registration would leave it (the ceremony itself is tested elsewhere). */
function passkeyFor(userId: string, createdAt: string): PasskeyEntry {
  return {
    id: 'cHJldGVuZC1jcmVkZW50aWFsLWlk',
    userId,
    userHandle: 'dXNlci1oYW5kbGU',
    publicKey: 'cHVibGljLWtleQ',
    counter: 0,
    transports: ['usb'],
    deviceType: 'singleDevice',
    backedUp: false,
    attachment: 'cross-platform',
    aaguid: '00000000-0000-0000-0000-000000000000',
    rpId: 'example.com',
    name: 'YubiKey',
    createdAt,
    lastUsedAt: null,
  };
}

describe('admin 2FA reset and a user\'s 2FA status', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('GET /api/admin/users/<name>/mfa shows requires2fa, totpEnrolled, recoveryCodesLeft, passkeyCount, enrolledAt', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const admin = (await jsonLogin(fx.app, 'alice', ALICE.password)).session!;
    expect((await api(fx.app, 'GET', '/api/admin/users/bob/mfa', admin)).json()).toEqual(
      expect.objectContaining({ user: 'bob', requires2fa: false, totpEnrolled: false, recoveryCodesLeft: 0, passkeyCount: 0, enrolledAt: null }),
    );
    const enrolledAt = new Date(fx.clock.now).toISOString();
    const bob = userNamed(fx, 'bob');
    await enrolTotp(fx, bob);
    await fx.accounts.users.setRequires2fa('bob', true, { name: 'test' });
    await fx.accounts.credentialsStore.update((doc) => ({ ...doc, passkeys: [...doc.passkeys, passkeyFor(bob.id, enrolledAt)] }));
    const status = await api(fx.app, 'GET', '/api/admin/users/bob/mfa', admin);
    expect(status.statusCode).toBe(200);
    expect(status.json()).toEqual(expect.objectContaining({ user: 'bob', requires2fa: true, totpEnrolled: true, recoveryCodesLeft: 10, passkeyCount: 1, enrolledAt }));
    // Never a secret or a hash.
    expect(status.body).not.toMatch(/argon2|"secret"|"hashes"|publicKey/);
    expect((await api(fx.app, 'GET', '/api/admin/users/nobody/mfa', admin)).statusCode).toBe(404);
    // Not for non-admins.
    const bobSession = (await jsonLogin(fx.app, 'bob', BOB.password)).session!;
    expect((await api(fx.app, 'GET', '/api/admin/users/alice/mfa', bobSession)).statusCode).toBe(401); // bob's is a partial session
  });

  it('POST /api/admin/users/<name>/reset-2fa wipes TOTP, recovery codes and passkeys, ends the user\'s sessions, and is audited with the admin as actor', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const alice = await enrolTotp(fx, userNamed(fx, 'alice'));
    const bobUser = userNamed(fx, 'bob');
    const bob = await enrolTotp(fx, bobUser);
    await fx.accounts.credentialsStore.update((doc) => ({ ...doc, passkeys: [...doc.passkeys, passkeyFor(bobUser.id, new Date(fx.clock.now).toISOString())] }));
    const bobSessions = [await loginWithTotp(fx, BOB, bob.secret)];
    fx.clock.now += 30_000;
    bobSessions.push(await loginWithTotp(fx, BOB, bob.secret));
    for (const s of bobSessions) expect((await checkAs(fx.app, { session: s })).statusCode).toBe(200);
    fx.clock.now += 30_000;
    const admin = await loginWithTotp(fx, ALICE, alice.secret);

    const res = await api(fx.app, 'POST', '/api/admin/users/bob/reset-2fa', admin, {});
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true });

    for (const s of bobSessions) expect((await checkAs(fx.app, { session: s })).statusCode).toBe(401);
    expect(fx.sessions.list((s) => s.principal.username === 'bob')).toEqual([]);
    // The admin's own session is untouched.
    expect((await checkAs(fx.app, { session: admin })).statusCode).toBe(200);

    expect((await api(fx.app, 'GET', '/api/admin/users/bob/mfa', admin)).json()).toEqual(
      expect.objectContaining({ totpEnrolled: false, recoveryCodesLeft: 0, passkeyCount: 0, enrolledAt: null }),
    );
    const stored = JSON.parse(await readFile(join(fx.dataDir, 'credentials.json'), 'utf8')) as { totp: Array<{ userId: string }>; recovery: Array<{ userId: string }>; passkeys: Array<{ userId: string }> };
    expect([...stored.totp, ...stored.recovery, ...stored.passkeys].filter((e) => e.userId === bobUser.id)).toEqual([]);
    expect(stored.totp.map((t) => t.userId)).toEqual([userNamed(fx, 'alice').id]);

    const { events } = await readAuditFile(fx.dataDir);
    const reset = events.filter((e) => e.event === 'mfa.reset');
    expect(reset).toHaveLength(1);
    expect(reset[0]).toMatchObject({ actor: 'alice', target: 'bob' });

    // bob (not required to use 2FA) signs in with his password alone now.
    expect((await jsonLogin(fx.app, 'bob', BOB.password)).res.json()).toMatchObject({ status: 'signed_in' });
  });

  it('a required user who is reset is sent back into enrolment at the next login', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const alice = await enrolTotp(fx, userNamed(fx, 'alice'));
    const bob = await enrolTotp(fx, userNamed(fx, 'bob'));
    await fx.accounts.users.setRequires2fa('bob', true, { name: 'test' });
    const admin = await loginWithTotp(fx, ALICE, alice.secret);
    expect((await api(fx.app, 'POST', '/api/admin/users/bob/reset-2fa', admin, {})).statusCode).toBe(200);
    const { res, session } = await passwordStep(fx.app, BOB);
    expect(res.headers.location).toMatch(/^\/profile\/2fa\?rd=/);
    // A recovery code from before the reset finishes nothing.
    const old = await api(fx.app, 'POST', '/api/auth/2fa', session, { code: bob.recoveryCodes[0]! });
    expect(old.statusCode).toBe(401);
    expect((await fx.accounts.mfa.verifySecondFactor(userNamed(fx, 'bob'), bob.recoveryCodes[1]!, { actor: 'bob' })).ok).toBe(false);
    expect((await checkAs(fx.app, { session })).statusCode).toBe(401);
  });

  it('only an admin may reset, and only an existing user', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const alice = await enrolTotp(fx, userNamed(fx, 'alice'));
    const bob = (await jsonLogin(fx.app, 'bob', BOB.password)).session!;
    const refused = await api(fx.app, 'POST', '/api/admin/users/alice/reset-2fa', bob, {});
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'admin_required' });
    expect(fx.accounts.mfa.status(userNamed(fx, 'alice').id).totpEnrolled).toBe(true);
    const admin = await loginWithTotp(fx, ALICE, alice.secret);
    expect((await api(fx.app, 'POST', '/api/admin/users/nobody/reset-2fa', admin, {})).statusCode).toBe(404);
    const { events } = await readAuditFile(fx.dataDir);
    expect(events.filter((e) => e.event === 'mfa.reset')).toEqual([]);
  });
});
