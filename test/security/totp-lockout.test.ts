import { afterEach, describe, expect, it } from 'vitest';
import { CODE_LOCKOUT_MS, MAX_CODE_FAILURES } from '../../src/mfa/mfa-service.js';
import type { AppFixture } from '../support/app-fixture.js';
import { codeAt, codeStep, enrolTotp, formTokens, passwordStep, userNamed } from '../support/mfa.js';
import { ALICE, api, jsonLogin, readAuditFile, userPasswordFixture } from '../support/user-password.js';

/** A 6-digit code that is none of the codes valid around `nowMs`. */
async function wrongCode(secret: string, nowMs: number, n: number): Promise<string> {
  const valid = new Set(await Promise.all([-1, 0, 1].map((o) => codeAt(secret, nowMs + o * 30_000))));
  let candidate = n;
  while (valid.has(String(candidate).padStart(6, '0'))) candidate += 1;
  return String(candidate).padStart(6, '0');
}

/**
 * Attack: guess 6-digit codes online. Five wrong codes lock the second-factor
 * step for 15 minutes, and starting over with the password (a new partial
 * session) does not buy new guesses.
 */
describe('TOTP lockout', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('locks after 5 wrong codes; the right code is then refused, also after re-entering the password; after 15 minutes it works', async () => {
    expect(MAX_CODE_FAILURES).toBe(5);
    expect(CODE_LOCKOUT_MS).toBe(15 * 60_000);
    fx = await userPasswordFixture([ALICE]);
    const { secret, recoveryCodes } = await enrolTotp(fx, userNamed(fx, 'alice'));
    const { session: partial } = await passwordStep(fx.app, ALICE);

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await codeStep(fx.app, partial, await wrongCode(secret, fx.clock.now, 111_111 * (i + 1)))).res.statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);

    // Locked: the right code is refused at the form...
    const right = await codeStep(fx.app, partial, await codeAt(secret, fx.clock.now));
    expect(right.res.statusCode).toBe(429);
    expect(right.res.body).toContain('locked for 15 minutes');
    expect(right.session).toBeUndefined();

    // ...after starting over with the password, at the form and at the JSON API...
    fx.clock.now += 60_000;
    const { session: again } = await passwordStep(fx.app, ALICE);
    expect((await formTokens(fx.app, '/login/2fa', again)).page.body).toContain('locked for 15 minutes');
    expect((await codeStep(fx.app, again, await codeAt(secret, fx.clock.now))).res.statusCode).toBe(429);
    const { session: scripted } = await jsonLogin(fx.app, 'alice', ALICE.password);
    const json = await api(fx.app, 'POST', '/api/auth/2fa', scripted, { code: await codeAt(secret, fx.clock.now) });
    expect(json.statusCode).toBe(429);
    expect(json.json()).toMatchObject({ error: 'locked' });

    // ...and with a recovery code too (the lock is on the second-factor step, not one kind of code), which stays unspent.
    expect((await codeStep(fx.app, again, recoveryCodes[0]!)).res.statusCode).toBe(429);
    expect(fx.accounts.mfa.status(userNamed(fx, 'alice').id).recoveryCodesLeft).toBe(10);
    expect(fx.accounts.mfa.isLocked(userNamed(fx, 'alice').id)).toBe(true);

    // 15 minutes after the lock began it is over: sign in again (the partial sessions have expired meanwhile).
    fx.clock.now += 15 * 60_000;
    expect(fx.accounts.mfa.isLocked(userNamed(fx, 'alice').id)).toBe(false);
    const { session: later } = await passwordStep(fx.app, ALICE);
    const done = await codeStep(fx.app, later, await codeAt(secret, fx.clock.now));
    expect(done.res.statusCode).toBe(303);
    expect(done.session).toBeDefined();

    const { events } = await readAuditFile(fx.dataDir);
    const failures = events.filter((e) => e.event === 'mfa.failure' && e.target === 'alice');
    expect(failures.length).toBeGreaterThanOrEqual(5 + 3);
    expect(failures.some((e) => e.details?.locked === true)).toBe(true);
    expect(failures.some((e) => e.details?.reason === 'locked')).toBe(true);
  });

  it('a lock on one user does not lock another', async () => {
    fx = await userPasswordFixture([ALICE, { username: 'bob', password: 'bob likes long passphrases', role: 'editor' }]);
    const alice = await enrolTotp(fx, userNamed(fx, 'alice'));
    const bob = await enrolTotp(fx, userNamed(fx, 'bob'));
    const { session: partial } = await passwordStep(fx.app, ALICE);
    for (let i = 0; i < 5; i++) await codeStep(fx.app, partial, await wrongCode(alice.secret, fx.clock.now, 222_222 + i));
    expect(fx.accounts.mfa.isLocked(userNamed(fx, 'alice').id)).toBe(true);
    const { session: bobPartial } = await passwordStep(fx.app, { username: 'bob', password: 'bob likes long passphrases' });
    expect((await codeStep(fx.app, bobPartial, await codeAt(bob.secret, fx.clock.now))).res.statusCode).toBe(303);
  });
});
