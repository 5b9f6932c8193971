import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, ENDPOINTS, sessionCookie, TOKEN_MODE, tokenLogin } from '../support/portal.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function flip(value: string, index: number): string {
  const c = value[index]!;
  const replacement = ALPHABET[(ALPHABET.indexOf(c) + 1) % ALPHABET.length]!;
  return value.slice(0, index) + replacement + value.slice(index + 1);
}

/** Attack: a real cookie edited by one character, or two real cookies spliced together. */
describe('tampered session cookie', () => {
  let fx: AppFixture;
  let mine: string;
  let other: string;
  beforeAll(async () => {
    fx = await createAppFixture(TOKEN_MODE);
    mine = (await tokenLogin(fx.app)).session!;
    other = (await tokenLogin(fx.app)).session!;
  });
  afterAll(() => fx.close());

  const url = 'https://app.example.com/private';

  it('both real cookies work (control)', async () => {
    for (const value of [mine, other]) expect((await check(fx.app, 'forward-auth', url, { cookie: sessionCookie(value) })).statusCode).toBe(200);
  });

  it('changing any single character of the id or the secret loses the session', async () => {
    const positions = [0, 5, 21, 23, 40, 65];
    for (const endpoint of ENDPOINTS) {
      for (const i of positions) {
        const tampered = flip(mine, i);
        expect(tampered).not.toBe(mine);
        const res = await check(fx.app, endpoint, url, { cookie: sessionCookie(tampered) });
        expect(res.statusCode, `${endpoint} position ${i}`).toBe(401);
      }
    }
  });

  it('splicing one session id with another session secret loses the session', async () => {
    const [idA, secretA] = mine.split('.') as [string, string];
    const [idB, secretB] = other.split('.') as [string, string];
    for (const spliced of [`${idA}.${secretB}`, `${idB}.${secretA}`]) {
      expect((await check(fx.app, 'forward-auth', url, { cookie: sessionCookie(spliced) })).statusCode).toBe(401);
      expect(fx.sessions.verify(spliced, 'token')).toBeNull();
    }
  });

  it('a tampered cookie cannot log the real session out', async () => {
    const tampered = flip(mine, 30);
    expect(fx.sessions.ownedId(tampered)).toBeNull();
    expect((await check(fx.app, 'forward-auth', url, { cookie: sessionCookie(mine) })).statusCode).toBe(200);
  });
});
