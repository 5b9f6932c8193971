import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_MODES } from '../../strategies/types.js';
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, sessionCookie, TOKEN_MODE, tokenLogin } from '../support/portal.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Attack: a stolen or forgotten cookie used long after its owner stopped using it. */
describe('session expiry', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());
  const url = 'https://app.example.com/private';
  const status = async (session: string) => (await check(fx.app, 'forward-auth', url, { cookie: sessionCookie(session) })).statusCode;

  it('the idle timeout (default 2h) ends a session nobody uses', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const session = (await tokenLogin(fx.app)).session!;
    fx.clock.now += 2 * HOUR - MINUTE;
    expect(await status(session)).toBe(200);
    fx.clock.now += 2 * HOUR;
    expect(await status(session)).toBe(401);
    // Trying again does not revive it.
    fx.clock.now += 1_000;
    expect(await status(session)).toBe(401);
  });

  it('exactly at the idle limit the session is gone', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const session = (await tokenLogin(fx.app)).session!;
    fx.clock.now += 2 * HOUR;
    expect(await status(session)).toBe(401);
  });

  it('activity keeps a session alive across several idle periods', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const session = (await tokenLogin(fx.app)).session!;
    for (let i = 0; i < 5; i++) {
      fx.clock.now += 90 * MINUTE;
      expect(await status(session), `after ${(i + 1) * 90} minutes`).toBe(200);
    }
  });

  it('the absolute TTL (default 24h) ends even an active session', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const session = (await tokenLogin(fx.app)).session!;
    for (let elapsed = 0; elapsed < 23 * HOUR; elapsed += HOUR) {
      fx.clock.now += HOUR;
      expect(await status(session)).toBe(200);
    }
    fx.clock.now += HOUR - MINUTE;
    expect(await status(session)).toBe(200);
    fx.clock.now += MINUTE;
    expect(await status(session)).toBe(401);
  });

  it('configured ttl and idle apply', async () => {
    fx = await createAppFixture({ ...TOKEN_MODE, session: { ttl: '1h', idle: '10m' } });
    const idle = (await tokenLogin(fx.app)).session!;
    fx.clock.now += 10 * MINUTE;
    expect(await status(idle)).toBe(401);

    const active = (await tokenLogin(fx.app)).session!;
    for (let i = 0; i < 6; i++) {
      fx.clock.now += 9 * MINUTE;
      expect(await status(active)).toBe(200);
    }
    fx.clock.now += 6 * MINUTE;
    expect(await status(active)).toBe(401);
  });

  it('the cookie Max-Age matches the absolute TTL', async () => {
    fx = await createAppFixture({ ...TOKEN_MODE, session: { ttl: '90m' } });
    const { res } = await tokenLogin(fx.app);
    expect(String(res.headers['set-cookie'])).toContain('Max-Age=5400');
  });

  it('a session is only valid under the mode that created it', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const session = (await tokenLogin(fx.app)).session!;
    expect(fx.sessions.verify(session, 'token')).not.toBeNull();
    for (const mode of AUTH_MODES.filter((m) => m !== 'token')) {
      expect(fx.sessions.verify(session, mode), mode).toBeNull();
    }
  });

  it('expired sessions are not loaded again after a restart', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const session = (await tokenLogin(fx.app)).session!;
    const id = session.split('.')[0]!;
    fx.clock.now += 25 * HOUR;
    const reloaded = new FileSessionStore(fx.dataDir, () => fx.clock.now, 0);
    await reloaded.load();
    expect(reloaded.get(id)).toBeUndefined();
    await reloaded.close();
  });
});
