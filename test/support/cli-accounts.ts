import { CredentialsStore } from '../../config/credentials-store.js';
import { UsersStore } from '../../config/users-store.js';
import type { User } from '../../config/users-schema.js';
import type { Role } from '../../strategies/types.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { MfaService } from '../../src/mfa/mfa-service.js';
import { totpCode } from '../../src/mfa/totp.js';
import { WorkerPasswordHasher } from '../../src/users/password-hasher.js';
import { UserService } from '../../src/users/user-service.js';

/** Creates local users in `dataDir` in-process (bcrypt cost 10), as `gatehouse user add` would. */
export async function seedUsers(dataDir: string, users: ReadonlyArray<{ username: string; password: string; role: Role }>): Promise<User[]> {
  const store = new UsersStore(dataDir);
  await store.open();
  const hasher = new WorkerPasswordHasher(1);
  try {
    const service = new UserService(store, { hasher, audit: new AuditLog(dataDir), regulator: null, bcryptCost: () => 10, now: Date.now });
    const created: User[] = [];
    for (const user of users) created.push(await service.create(user, { name: 'test' }));
    return created;
  } finally {
    await hasher.close();
    store.close();
  }
}

/**
 * Enrols `user` in TOTP in `dataDir` with the key a server using `sessionSecret`
 * can read. Confirmed with a code from a minute ago, so the current code is
 * still unused. Returns the base32 secret.
 */
export async function seedTotp(dataDir: string, user: User, sessionSecret: string): Promise<string> {
  return (await seedSecondFactor(dataDir, user, sessionSecret)).secret;
}

/** seedTotp, also returning the recovery codes the enrolment showed. */
export async function seedSecondFactor(dataDir: string, user: User, sessionSecret: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const store = new CredentialsStore(dataDir);
  await store.open();
  try {
    const past = () => Date.now() - 60_000;
    const mfa = new MfaService(store, { box: new SecretBox(sessionSecret, 'gatehouse totp secret v1'), audit: new AuditLog(dataDir), now: past, issuer: () => 'test' });
    const { secret } = await mfa.beginTotp(user);
    const recoveryCodes = await mfa.confirmTotp(user, await totpCode(secret, past()), { actor: 'test' });
    return { secret, recoveryCodes };
  } finally {
    store.close();
  }
}
