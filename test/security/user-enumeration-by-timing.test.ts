import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { ALICE, formLogin, jsonLogin, userPasswordFixture } from '../support/user-password.js';

const BCRYPT_12 = /^\$2[aby]\$12\$[./A-Za-z0-9]{53}$/;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Attack: tell which usernames exist from the login answer or from how long
 * it takes (an unknown user answered before any bcrypt work).
 */
describe('user enumeration by timing', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());
  // Regulation would otherwise ban the test's own IP half-way through.
  const relaxed = { security: { regulation: { maxRetries: 100 } } };

  it('an unknown user and a wrong password get the same status and body, on the form and the JSON API', async () => {
    fx = await userPasswordFixture([ALICE], relaxed);
    const unknown = await jsonLogin(fx.app, 'mallory', 'whatever password');
    const wrong = await jsonLogin(fx.app, 'alice', 'whatever password');
    expect(unknown.res.statusCode).toBe(401);
    expect(wrong.res.statusCode).toBe(401);
    expect(unknown.res.body).toBe(wrong.res.body);
    expect(unknown.session).toBeUndefined();

    const formUnknown = await formLogin(fx.app, { username: 'mallory', password: 'whatever password' });
    const formWrong = await formLogin(fx.app, { username: 'alice', password: 'whatever password' });
    expect(formUnknown.res.statusCode).toBe(401);
    expect(formWrong.res.statusCode).toBe(401);
    const normalize = (body: string, name: string) => body.replace(/name="csrf" value="[^"]*"/, '').replace(`value="${name}"`, 'value="NAME"');
    expect(normalize(formUnknown.res.body, 'mallory')).toBe(normalize(formWrong.res.body, 'alice'));
  });

  it('a disabled account answers like an unknown one', async () => {
    fx = await userPasswordFixture([ALICE, { username: 'dora', password: 'dora has a long password', role: 'viewer' }], relaxed);
    await fx.accounts.users.setDisabled('dora', true, { name: 'test' });
    const disabled = await jsonLogin(fx.app, 'dora', 'dora has a long password');
    const unknown = await jsonLogin(fx.app, 'mallory', 'dora has a long password');
    expect(disabled.res.statusCode).toBe(401);
    expect(disabled.res.body).toBe(unknown.res.body);
  });

  it('the unknown-user path runs a real bcrypt verify against a 60-char hash of the configured cost', async () => {
    fx = await userPasswordFixture([ALICE], relaxed);
    const verify = vi.spyOn(fx.accounts.hasher, 'verify');
    await jsonLogin(fx.app, 'mallory', 'whatever password');
    await jsonLogin(fx.app, 'not a valid name!', 'whatever password');
    await jsonLogin(fx.app, 'alice', 'whatever password');
    expect(verify).toHaveBeenCalledTimes(3);
    for (const [, hash] of verify.mock.calls) expect(hash).toMatch(BCRYPT_12);
    // And that verify really did the work: it resolved to false rather than throwing.
    for (const result of verify.mock.results) await expect(result.value).resolves.toBe(false);
  });

  it('the dummy hash follows a change of bcryptCost', async () => {
    fx = await userPasswordFixture([ALICE], relaxed);
    await fx.store.update((c) => ({ ...c, security: { ...c.security, bcryptCost: 13 } }));
    const verify = vi.spyOn(fx.accounts.hasher, 'verify');
    await jsonLogin(fx.app, 'mallory', 'whatever password');
    expect(verify.mock.calls[0]![1]).toMatch(/^\$2[aby]\$13\$/);
  });

  it('an unknown user takes about as long as a wrong password (median of 6, real bcrypt)', async () => {
    fx = await userPasswordFixture([ALICE], relaxed);
    await fx.accounts.users.prepare();
    const time = async (username: string) => {
      const started = process.hrtime.bigint();
      const { res } = await jsonLogin(fx.app, username, 'not the password at all');
      expect(res.statusCode).toBe(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    // Interleaved so drift in machine load hits both sides alike.
    for (let i = 0; i < 6; i++) {
      unknown.push(await time(`nobody${i}`));
      wrong.push(await time('alice'));
    }
    const ratio = median(unknown) / median(wrong);
    expect(median(wrong)).toBeGreaterThan(5); // bcrypt cost 12 is a hundred ms or more, never ~0
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2.0);
  });
});
