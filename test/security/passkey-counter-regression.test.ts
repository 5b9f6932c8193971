/**
 * A cloned authenticator betrays itself by its signature counter: once either
 * side has a non-zero counter, an assertion whose counter is not above the
 * stored one is refused, also when two answers race for the same counter.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, ceremonyHarness, newAuthenticator } from '../passkeys/ceremony-harness.js';
import { counterRegressed, PasskeyService } from '../../src/passkeys/passkey-service.js';
import { CredentialsStore } from '../../config/credentials-store.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('passkey counter regression', () => {
  it('refuses a counter equal to or below the stored one', async () => {
    const h = ceremonyHarness();
    const auth = newAuthenticator({ startCounter: 5 });
    await h.enrol(ALICE, auth);
    expect(await h.signIn(auth)).toMatchObject({ ok: true, newCounter: 6 });
    expect(await h.signIn(auth, { counter: 6 })).toMatchObject({ ok: false, code: 'counter_regression' });
    expect(await h.signIn(auth, { counter: 3 })).toMatchObject({ ok: false, code: 'counter_regression' });
    // A clone that reports no counter at all, once the real key has one, is refused too.
    expect(await h.signIn(auth, { counter: 0 })).toMatchObject({ ok: false, code: 'counter_regression' });
    expect(h.passkeys.get(auth.credentialId)!.counter).toBe(6);
    expect(await h.signIn(auth, { counter: 7 })).toMatchObject({ ok: true, newCounter: 7 });
  });

  it('the rule: regression only when either counter is non-zero', () => {
    expect(counterRegressed(0, 0)).toBe(false);
    expect(counterRegressed(0, 1)).toBe(false);
    expect(counterRegressed(4, 5)).toBe(false);
    expect(counterRegressed(5, 5)).toBe(true);
    expect(counterRegressed(5, 0)).toBe(true);
  });

  describe('inside the store write', () => {
    let dir: string;
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('of two sign-ins racing with the same counter, only one is recorded', async () => {
      dir = await mkdtemp(join(tmpdir(), 'gatehouse-passkey-counter-'));
      const store = new CredentialsStore(dir);
      await store.open();
      const service = new PasskeyService(store, { audit: new AuditLog(dir), now: () => Date.parse('2026-11-23T12:00:00Z') });
      const h = ceremonyHarness();
      const entry = await h.enrol(ALICE, newAuthenticator({ startCounter: 1 }));
      const stored = await service.add(ALICE, entry, 'Laptop', { actor: 'alice' });
      expect('ok' in stored).toBe(false);
      const [a, b] = await Promise.all([service.recordUse(entry, { newCounter: 2, backedUp: false }), service.recordUse(entry, { newCounter: 2, backedUp: false })]);
      const outcomes = [a, b].map((r) => ('ok' in r ? r.code : 'recorded')).sort();
      expect(outcomes).toEqual(['counter_regression', 'recorded']);
      expect(service.find(entry.id)).toMatchObject({ counter: 2, lastUsedAt: '2026-11-23T12:00:00.000Z' });
      store.close();
    });
  });
});
