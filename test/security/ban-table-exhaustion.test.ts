import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { ALICE, BOB, eventually, jsonLogin, userPasswordFixture } from '../support/user-password.js';

const SPRAY_IPS = 10_200; // more distinct clients than the regulator's 10,000-entry tables hold

function sprayIp(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/**
 * Attack: spray random usernames from a botnet, hoping to fill the
 * regulator's tables so real bans are evicted, or to lock everyone out.
 * The spray goes through the real login check (UserService.checkLogin, the
 * regulator, bans.json); only bcrypt's cost is skipped so thousands of
 * attempts fit in a test.
 */
describe('ban-table exhaustion', () => {
  let fx: AppFixture;
  afterEach(() => {
    vi.restoreAllMocks();
    return fx?.close();
  });

  it('a spray of random usernames from many IPs neither evicts a real ban, creates accounts, nor locks others out', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const usersBefore = await readFile(join(fx.dataDir, 'users.json'), 'utf8');

    // Alice's account is under attack and banned (from one address).
    for (let i = 0; i < 5; i++) await jsonLogin(fx.app, 'alice', `wrong guess ${i}`, { ip: '203.0.113.66' });
    expect(fx.accounts.regulator.isBanned('alice', '198.51.100.1')).toBe(true);

    const verify = vi.spyOn(fx.accounts.hasher, 'verify').mockResolvedValue(false);
    const users = fx.accounts.users;
    // One attempt from each of 10,200 addresses, each with a fresh random name...
    for (let i = 0; i < SPRAY_IPS; i++) {
      const result = await users.checkLogin(`user${i.toString(36)}x${(i * 7919) % 1000}`, 'spray password', sprayIp(i));
      expect(result.ok).toBe(false);
    }
    // ...and a few addresses that push on until they are banned themselves, with the same made-up name.
    for (let ip = 0; ip < 20; ip++) for (let n = 0; n < 6; n++) await users.checkLogin('ghost', 'spray password', `172.16.0.${ip}`);
    expect(verify).toHaveBeenCalledTimes(SPRAY_IPS + 20 * 6);
    verify.mockRestore();

    // Alice's account ban survived the flood; nobody else's account got one.
    const bans = fx.accounts.regulator.activeBans();
    expect(bans.filter((b) => b.kind === 'user')).toEqual([expect.objectContaining({ key: 'alice' })]);
    expect(fx.accounts.regulator.isBanned('alice', '198.51.100.1')).toBe(true);
    expect(fx.accounts.regulator.isBanned(null, '203.0.113.66')).toBe(true);
    expect(bans.filter((b) => b.kind === 'ip').length).toBe(21);

    // No account entries were created by the spray.
    expect(await readFile(join(fx.dataDir, 'users.json'), 'utf8')).toBe(usersBefore);
    expect(users.list().map((u) => u.username).sort()).toEqual(['alice', 'bob']);

    // bans.json holds the real ban and the sprayers' IP bans, no account bans for made-up names.
    await eventually(() => fx.accounts.bansStore!.current.bans.length === 22, 5_000, 'bans.json to hold every ban');
    expect(fx.accounts.bansStore!.current.bans.filter((b) => b.kind === 'user').map((b) => b.key)).toEqual(['alice']);

    // A real user on a clean address still signs in (real bcrypt again), and Alice is still banned.
    expect((await jsonLogin(fx.app, BOB.username, BOB.password, { ip: '198.51.100.200' })).res.statusCode).toBe(200);
    expect((await jsonLogin(fx.app, ALICE.username, ALICE.password, { ip: '198.51.100.201' })).res.statusCode).toBe(401);
  });

  it('a spray aimed at one real account from many addresses bans that account only, not everyone', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    for (let i = 0; i < 6; i++) await jsonLogin(fx.app, 'alice', `wrong guess ${i}`, { ip: sprayIp(i) });
    expect(fx.accounts.regulator.isBanned('alice', '198.51.100.1')).toBe(true);
    // No single spraying address reached the limit, so none is banned, and Bob is unaffected.
    expect(fx.accounts.regulator.activeBans().filter((b) => b.kind === 'ip')).toEqual([]);
    expect((await jsonLogin(fx.app, BOB.username, BOB.password, { ip: sprayIp(1) })).res.statusCode).toBe(200);
  });
});
