import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, ENDPOINTS, sessionCookie, TOKEN_MODE, tokenLogin } from '../support/portal.js';

const b64 = (n: number) => randomBytes(n).toString('base64url');

/** Attack: a cookie made up by the client, or a real session id with a guessed secret. */
describe('forged session cookie', () => {
  let fx: AppFixture;
  let real: string;
  beforeAll(async () => {
    fx = await createAppFixture(TOKEN_MODE);
    real = (await tokenLogin(fx.app)).session!;
  });
  afterAll(() => fx.close());

  const url = 'https://app.example.com/private';

  async function expectNoSession(value: string): Promise<void> {
    for (const endpoint of ENDPOINTS) {
      const res = await check(fx.app, endpoint, url, { cookie: sessionCookie(value) });
      expect(res.statusCode, `${endpoint} ${value}`).toBe(401);
      expect(res.headers.location).toMatch(/^https:\/\/auth\.example\.com\/login\?/);
      expect(res.headers['remote-user']).toBeUndefined();
    }
    expect(fx.sessions.verify(value, 'token')).toBeNull();
  }

  it('the real cookie works (control)', async () => {
    expect((await check(fx.app, 'forward-auth', url, { cookie: sessionCookie(real) })).statusCode).toBe(200);
  });

  it('a random id.secret is no session', async () => {
    for (let i = 0; i < 5; i++) await expectNoSession(`${b64(16)}.${b64(32)}`);
  });

  it('the right id with a wrong secret is no session', async () => {
    const [id] = real.split('.');
    await expectNoSession(`${id}.${b64(32)}`);
  });

  it('the right id with the secret hash instead of the secret is no session', async () => {
    const [id] = real.split('.');
    const record = fx.sessions.list()[0]!;
    await expectNoSession(`${id}.${Buffer.from(record.secretHash, 'hex').toString('base64url').slice(0, 43)}`);
  });

  it('malformed values are no session', async () => {
    const [id, secret] = real.split('.') as [string, string];
    for (const value of ['', 'garbage', id, `${id}.`, `.${secret}`, `${id}..${secret}`, `${id}.${secret}.x`, `${id}.${secret}=`, `${id}.${secret.slice(1)}`, `${id}x.${secret}`, `${id}.${secret}%00`, `"${real}"`, 'a'.repeat(4000)]) {
      await expectNoSession(value);
    }
  });

  it('two session cookies are never guessed between', async () => {
    for (const endpoint of ENDPOINTS) {
      const res = await check(fx.app, endpoint, url, { cookie: `${sessionCookie(`${b64(16)}.${b64(32)}`)}; ${sessionCookie(real)}` });
      expect(res.statusCode).not.toBe(200);
      expect(res.headers['remote-user']).toBeUndefined();
    }
  });
});
