import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialsStore } from '../../config/credentials-store.js';
import { ephemeralBackend } from '../../src/backend/ephemeral-backend.js';
import { StoreUnavailableError } from '../../src/backend/store-unavailable.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { MfaService } from '../../src/mfa/mfa-service.js';
import { totpCode } from '../../src/mfa/totp.js';
import { testUser } from '../passkeys/ceremony-harness.js';
import { TEST_SECRET } from '../support/app-fixture.js';
import { redisReplicas } from '../support/redis-replicas.js';

const ALICE = testUser('alice-id-0001', 'alice');
const ctx = { actor: 'alice', ip: '203.0.113.5' };

/**
 * Attack: replay a second factor on another replica before it has heard
 * that the factor was spent (a TOTP code seen over a shoulder, a recovery
 * code sent to two replicas at once), or spread code guesses over replicas.
 * Each replica has its own copy of the credentials, as a replica that has
 * not yet applied the other's write would; only Redis is shared.
 */
describe('second factors across replicas', () => {
  let world: Awaited<ReturnType<typeof redisReplicas>>;
  let dir: string;
  const clock = { now: Date.now() };
  let stores: CredentialsStore[];
  let a: MfaService;
  let b: MfaService;
  let recoveryCodes: string[];
  let secret: string;

  beforeEach(async () => {
    world = await redisReplicas(2);
    dir = await mkdtemp(join(tmpdir(), 'gh-mfa-replicas-'));
    const box = new SecretBox(TEST_SECRET, 'gatehouse totp secret v1');
    const enrolling = new CredentialsStore(dir);
    await enrolling.open();
    // Enrolled a minute ago, so the current code is still unused.
    clock.now = Date.now() - 60_000;
    const enrol = new MfaService(enrolling, { box, audit: new AuditLog(dir), now: () => clock.now, issuer: () => 'test' });
    ({ secret } = await enrol.beginTotp(ALICE));
    recoveryCodes = await enrol.confirmTotp(ALICE, await totpCode(secret, clock.now), ctx);
    enrolling.close();
    clock.now += 60_000;
    stores = [];
    const replica = async (i: number) => {
      const store = new CredentialsStore(dir);
      await store.open();
      stores.push(store);
      return new MfaService(store, { box, audit: new AuditLog(dir), now: () => clock.now, issuer: () => 'test', ephemeral: ephemeralBackend(world.connections[i], () => clock.now) });
    };
    a = await replica(0);
    b = await replica(1);
  });
  afterEach(async () => {
    for (const s of stores) s.close();
    await world.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a TOTP code used on A is refused on B', async () => {
    const code = await totpCode(secret, clock.now);
    expect(await a.verifySecondFactor(ALICE, code, ctx)).toEqual({ ok: true, method: 'otp' });
    expect(await b.verifySecondFactor(ALICE, code, ctx)).toEqual({ ok: false, reason: 'invalid' });
    // The next step's code is a new code, on either replica.
    clock.now += 30_000;
    expect(await b.verifySecondFactor(ALICE, await totpCode(secret, clock.now), ctx)).toEqual({ ok: true, method: 'otp' });
  });

  it('one recovery code sent to both replicas at once: exactly one success', async () => {
    const code = recoveryCodes[0]!;
    const results = await Promise.all([a.verifySecondFactor(ALICE, code, ctx), b.verifySecondFactor(ALICE, code, ctx)]);
    expect(results.filter((r) => r.ok)).toEqual([{ ok: true, method: 'recovery' }]);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'invalid' }]);
  });

  it('with Redis down, even the right code and a right recovery code are refused (StoreUnavailableError), never passed', async () => {
    await world.stopRedis();
    await expect(a.verifySecondFactor(ALICE, await totpCode(secret, clock.now), ctx)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(b.verifySecondFactor(ALICE, recoveryCodes[1]!, ctx)).rejects.toBeInstanceOf(StoreUnavailableError);
    // Nothing was spent: the recovery code is still in the credentials.
    expect(b.status(ALICE.id).recoveryCodesLeft).toBe(10);
  });

  it('wrong codes are counted across replicas: 3 on A and 2 on B lock the second factor on both', async () => {
    for (let i = 0; i < 3; i++) expect((await a.verifySecondFactor(ALICE, '000000', ctx)).ok).toBe(false);
    expect(await b.verifySecondFactor(ALICE, '000001', ctx)).toEqual({ ok: false, reason: 'invalid' });
    expect(await b.verifySecondFactor(ALICE, '000002', ctx)).toEqual({ ok: false, reason: 'locked' });
    expect(await a.isLocked(ALICE.id)).toBe(true);
    // Locked means locked: even the right code is refused, on either replica.
    expect(await a.verifySecondFactor(ALICE, await totpCode(secret, clock.now), ctx)).toEqual({ ok: false, reason: 'locked' });
  });
});
