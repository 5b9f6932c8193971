import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { ALICE, checkAs, cookieOf, formLogin, jsonLogin, sessionId, signIn, userPasswordFixture, VICTOR } from '../support/user-password.js';

/**
 * Attack: plant a session cookie in the victim's browser before they log in
 * (a sibling subdomain can set one), then ride the session they authenticate.
 */
describe('session fixation', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('a planted (attacker-owned) session is replaced at form login and stops working', async () => {
    fx = await userPasswordFixture([ALICE, VICTOR]);
    // The attacker signs in as a low-privilege viewer and plants that cookie in the victim's browser.
    const planted = await signIn(fx.app, VICTOR);
    const { res, session } = await formLogin(fx.app, { username: ALICE.username, password: ALICE.password }, '198.51.100.20', cookieOf(planted));
    expect(res.statusCode).toBe(303);
    expect(session).toBeDefined();
    expect(sessionId(session!)).not.toBe(sessionId(planted));

    const victim = await checkAs(fx.app, { session: session! });
    expect(victim.headers['remote-user']).toBe('alice');
    // The attacker's copy is not upgraded to alice; it is gone altogether.
    const attacker = await checkAs(fx.app, { session: planted });
    expect(attacker.statusCode).toBe(401);
    expect(attacker.headers['remote-user']).toBeUndefined();
    expect(fx.sessions.get(sessionId(planted))).toBeUndefined();
  });

  it('logging in again from a signed-in browser issues a new id and ends the old session (JSON API)', async () => {
    fx = await userPasswordFixture([ALICE]);
    const first = await signIn(fx.app, ALICE);
    const { res, session: second } = await jsonLogin(fx.app, ALICE.username, ALICE.password, { cookie: cookieOf(first) });
    expect(res.statusCode).toBe(200);
    expect(sessionId(second!)).not.toBe(sessionId(first));
    expect((await checkAs(fx.app, { session: first })).statusCode).toBe(401);
    expect((await checkAs(fx.app, { session: second! })).statusCode).toBe(200);
  });

  it('a forged cookie value chosen by the attacker is never adopted as the session id', async () => {
    fx = await userPasswordFixture([ALICE]);
    const forged = `${'A'.repeat(22)}.${'B'.repeat(43)}`;
    const { res, session } = await formLogin(fx.app, { username: ALICE.username, password: ALICE.password }, '198.51.100.20', cookieOf(forged));
    expect(res.statusCode).toBe(303);
    expect(session).not.toBe(forged);
    expect(sessionId(session!)).not.toBe('A'.repeat(22));
    expect((await checkAs(fx.app, { session: forged })).statusCode).toBe(401);
  });

  it('a failed login leaves an existing session untouched and sets no cookie', async () => {
    fx = await userPasswordFixture([ALICE]);
    const mine = await signIn(fx.app, ALICE);
    const { res, session } = await jsonLogin(fx.app, ALICE.username, 'not my password at all', { cookie: cookieOf(mine) });
    expect(res.statusCode).toBe(401);
    expect(session).toBeUndefined();
    expect((await checkAs(fx.app, { session: mine })).statusCode).toBe(200);
  });
});
