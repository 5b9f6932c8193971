import { afterEach, describe, expect, it } from 'vitest';
import { BansStore } from '../../config/bans-store.js';
import type { AppFixture } from '../support/app-fixture.js';
import { ALICE, eventually, formLogin, jsonLogin, readAuditFile, userPasswordFixture } from '../support/user-password.js';

const MIN = 60_000;
const ATTACKER = '203.0.113.66';

/** Attack: guess a password by trying many, from one address or several. */
describe('login brute force', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  async function guess(times: number, ip = ATTACKER) {
    for (let i = 0; i < times; i++) {
      const { res } = await jsonLogin(fx.app, ALICE.username, `wrong guess number ${i}`, { ip });
      expect(res.statusCode).toBe(401);
    }
  }

  it('after 5 wrong passwords the right one is refused with the same answer as a wrong one', async () => {
    fx = await userPasswordFixture([ALICE]);
    await guess(4);
    const wrong = await jsonLogin(fx.app, ALICE.username, 'the fifth wrong guess', { ip: ATTACKER });
    const right = await jsonLogin(fx.app, ALICE.username, ALICE.password, { ip: ATTACKER });
    expect(right.res.statusCode).toBe(401);
    expect(right.res.body).toBe(wrong.res.body);
    expect(right.session).toBeUndefined();
    // The form answers the same too.
    const form = await formLogin(fx.app, { username: ALICE.username, password: ALICE.password }, ATTACKER);
    expect(form.res.statusCode).toBe(401);
    expect(form.res.body).toContain('Incorrect username or password.');
    expect(form.session).toBeUndefined();
  });

  it('the account ban holds from another address too, and the IP ban for another account', async () => {
    fx = await userPasswordFixture([ALICE, { username: 'bob', password: 'bob likes long passphrases', role: 'viewer' }]);
    await guess(5);
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password, { ip: '198.51.100.77' })).res.statusCode).toBe(401);
    expect((await jsonLogin(fx.app, 'bob', 'bob likes long passphrases', { ip: ATTACKER })).res.statusCode).toBe(401);
    expect((await jsonLogin(fx.app, 'bob', 'bob likes long passphrases', { ip: '198.51.100.77' })).res.statusCode).toBe(200);
  });

  it('after banTime the right password works again', async () => {
    fx = await userPasswordFixture([ALICE]);
    await guess(5);
    fx.clock.now += 14 * MIN;
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password, { ip: ATTACKER })).res.statusCode).toBe(401);
    fx.clock.now += MIN + 1;
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password, { ip: ATTACKER })).res.statusCode).toBe(200);
  });

  it('honours a configured regulation', async () => {
    fx = await userPasswordFixture([ALICE], { security: { regulation: { maxRetries: 2, findTime: '1m', banTime: '1h' } } });
    await guess(2);
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password, { ip: ATTACKER })).res.statusCode).toBe(401);
    fx.clock.now += 59 * MIN;
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password, { ip: ATTACKER })).res.statusCode).toBe(401);
    fx.clock.now += MIN + 1;
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password, { ip: ATTACKER })).res.statusCode).toBe(200);
  });

  it('bans go to bans.json and the audit log; `gatehouse unban` (removing one from the file) lifts it in the running app', async () => {
    fx = await userPasswordFixture([ALICE]);
    await guess(5);
    const cli = new BansStore(fx.dataDir);
    await eventually(async () => {
      await cli.open();
      return cli.current.bans.length === 2;
    }, 3_000, 'the bans to reach bans.json');
    expect(cli.current.bans).toEqual(
      expect.arrayContaining([
        { kind: 'user', key: 'alice', until: fx.clock.now + 15 * MIN },
        { kind: 'ip', key: ATTACKER, until: fx.clock.now + 15 * MIN },
      ]),
    );
    const bans = (await readAuditFile(fx.dataDir)).events.filter((e) => e.event === 'regulation.ban');
    expect(bans.map((e) => e.target).sort()).toEqual([ATTACKER, 'alice'].sort());
    expect(bans.every((e) => e.ip === ATTACKER && e.actor === 'system' && typeof e.time === 'string')).toBe(true);

    // Still banned from a clean address: the account ban.
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password, { ip: '198.51.100.5' })).res.statusCode).toBe(401);

    // What `gatehouse unban alice` does: a second store instance edits the file.
    await cli.update((doc) => ({ ...doc, bans: doc.bans.filter((b) => b.key !== 'alice') }));
    await fx.accounts.bansStore!.reload();
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password, { ip: '198.51.100.5' })).res.statusCode).toBe(200);
    // The attacker's address is still banned until that ban is lifted too.
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password, { ip: ATTACKER })).res.statusCode).toBe(401);
    await cli.update((doc) => ({ ...doc, bans: doc.bans.filter((b) => b.key !== ATTACKER) }));
    await fx.accounts.bansStore!.reload();
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password, { ip: ATTACKER })).res.statusCode).toBe(200);
    cli.close();
  });
});
