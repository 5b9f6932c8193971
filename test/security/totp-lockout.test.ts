import { afterEach, describe, expect, it } from 'vitest';
import { CODE_LOCKOUT_MS, MAX_CODE_FAILURES } from '../../src/mfa/mfa-service.js';
import type { AppFixture } from '../support/app-fixture.js';
import { codeAt, codeStep, enrolTotp, formTokens, passwordStep, userNamed } from '../support/mfa.js';
import { ALICE, api, cookieOf, jsonLogin, PORTAL, readAuditFile, userPasswordFixture } from '../support/user-password.js';

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
    expect(await fx.accounts.mfa.isLocked(userNamed(fx, 'alice').id)).toBe(true);

    // 15 minutes after the lock began it is over: sign in again (the partial sessions have expired meanwhile).
    fx.clock.now += 15 * 60_000;
    expect(await fx.accounts.mfa.isLocked(userNamed(fx, 'alice').id)).toBe(false);
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

  it('parallel guesses do not get past the cap: a burst of 5 wrong codes and the right one, sent at once, locks without evaluating the right one', async () => {
    fx = await userPasswordFixture([ALICE]);
    const user = userNamed(fx, 'alice');
    const { secret } = await enrolTotp(fx, user);
    const right = await codeAt(secret, fx.clock.now);
    const wrong = await Promise.all([1, 2, 3, 4, 5].map((i) => wrongCode(secret, fx.clock.now, 123_456 + i * 1_111)));
    const results = await Promise.all([...wrong, right].map((code) => fx.accounts.mfa.verifySecondFactor(user, code, { actor: 'attacker' })));
    expect(results.filter((r) => r.ok)).toEqual([]);
    expect(results.at(-1)).toEqual({ ok: false, reason: 'locked' });
    expect(await fx.accounts.mfa.isLocked(user.id)).toBe(true);

    // Through HTTP too: twenty concurrent guesses from partial sessions get at most four "wrong" answers before the lock.
    fx.clock.now += CODE_LOCKOUT_MS + 1_000;
    expect(await fx.accounts.mfa.isLocked(user.id)).toBe(false);
    const browsers = await Promise.all(Array.from({ length: 4 }, async () => {
      const { session } = await passwordStep(fx.app, ALICE);
      return { session, ...(await formTokens(fx.app, '/login/2fa', session)) };
    }));
    const guesses = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const b = browsers[i % browsers.length]!;
        return fx.app.inject({
          method: 'POST',
          url: '/login/2fa',
          remoteAddress: '127.0.0.1',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PORTAL, cookie: `${cookieOf(b.session)}; ${b.csrfCookie}` },
          payload: new URLSearchParams({ csrf: b.csrf, code: await wrongCode(secret, fx.clock.now, 200_000 + i * 7_919) }).toString(),
        });
      }),
    );
    const statuses = guesses.map((g) => g.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_CODE_FAILURES - 1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - (MAX_CODE_FAILURES - 1));
  });

  it('a lock on one user does not lock another', async () => {
    fx = await userPasswordFixture([ALICE, { username: 'bob', password: 'bob likes long passphrases', role: 'editor' }]);
    const alice = await enrolTotp(fx, userNamed(fx, 'alice'));
    const bob = await enrolTotp(fx, userNamed(fx, 'bob'));
    const { session: partial } = await passwordStep(fx.app, ALICE);
    for (let i = 0; i < 5; i++) await codeStep(fx.app, partial, await wrongCode(alice.secret, fx.clock.now, 222_222 + i));
    expect(await fx.accounts.mfa.isLocked(userNamed(fx, 'alice').id)).toBe(true);
    const { session: bobPartial } = await passwordStep(fx.app, { username: 'bob', password: 'bob likes long passphrases' });
    expect((await codeStep(fx.app, bobPartial, await codeAt(bob.secret, fx.clock.now))).res.statusCode).toBe(303);
  });
});
