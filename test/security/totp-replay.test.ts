import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { codeAt, codeStep, enrolTotp, passwordStep, userNamed } from '../support/mfa.js';
import { ALICE, api, checkAs, jsonLogin, userPasswordFixture } from '../support/user-password.js';

/**
 * Attack: a TOTP code seen once (shoulder-surfed, phished, logged by a
 * proxy) is played again within its validity window to finish another login.
 */
describe('TOTP replay', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('a code that finished one login is refused for a second login, at the form and at the JSON API', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { secret } = await enrolTotp(fx, userNamed(fx, 'alice'));
    const code = await codeAt(secret, fx.clock.now);

    const first = await codeStep(fx.app, (await passwordStep(fx.app, ALICE)).session, code);
    expect(first.res.statusCode).toBe(303);
    expect((await checkAs(fx.app, { session: first.session! })).statusCode).toBe(200);

    const { session: attacker } = await passwordStep(fx.app, ALICE);
    const replay = await codeStep(fx.app, attacker, code);
    expect(replay.res.statusCode).toBe(401);
    expect(replay.session).toBeUndefined();
    expect((await checkAs(fx.app, { session: attacker })).statusCode).toBe(401);

    const { session: scripted } = await jsonLogin(fx.app, 'alice', ALICE.password);
    const json = await api(fx.app, 'POST', '/api/auth/2fa', scripted, { code });
    expect(json.statusCode).toBe(401);
    expect(json.json()).toMatchObject({ error: 'invalid_code' });
  });

  it('the code is still refused in the next time step (where ±1 drift would otherwise accept it), and so is an older one', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { secret } = await enrolTotp(fx, userNamed(fx, 'alice'));
    const older = await codeAt(secret, fx.clock.now - 30_000);
    const code = await codeAt(secret, fx.clock.now);
    expect((await codeStep(fx.app, (await passwordStep(fx.app, ALICE)).session, code)).res.statusCode).toBe(303);

    fx.clock.now += 30_000;
    const { session } = await passwordStep(fx.app, ALICE);
    expect((await codeStep(fx.app, session, code)).res.statusCode).toBe(401);
    // A code from a step before the one used is no better: steps only move forward.
    expect((await codeStep(fx.app, session, older)).res.statusCode).toBe(401);
    // The current code is fresh and works.
    expect((await codeStep(fx.app, session, await codeAt(secret, fx.clock.now))).res.statusCode).toBe(303);
  });

  it('the code used to confirm enrolment cannot then be used to sign in', async () => {
    fx = await userPasswordFixture([ALICE]);
    const user = userNamed(fx, 'alice');
    const { secret } = await fx.accounts.mfa.beginTotp(user);
    const code = await codeAt(secret, fx.clock.now);
    await fx.accounts.mfa.confirmTotp(user, code, { actor: 'test' });
    const { session } = await passwordStep(fx.app, ALICE);
    expect((await codeStep(fx.app, session, code)).res.statusCode).toBe(401);
  });
});
