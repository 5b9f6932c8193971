import { afterEach, describe, expect, it } from 'vitest';
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, ENDPOINTS, fetchForm, logout, postForm, sessionCookie, TOKEN_MODE, tokenLogin } from '../support/portal.js';

/** Attack: a cookie copied before logout (from a shared machine, a log, a proxy) used afterwards. */
describe('session replay after logout', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());
  const url = 'https://app.example.com/private';

  it('the cookie is dead on both endpoints after logout', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const { session } = await tokenLogin(fx.app);
    for (const endpoint of ENDPOINTS) expect((await check(fx.app, endpoint, url, { cookie: sessionCookie(session!) })).statusCode).toBe(200);

    expect((await logout(fx.app, session!)).statusCode).toBe(303);

    for (const endpoint of ENDPOINTS) {
      const replay = await check(fx.app, endpoint, url, { cookie: sessionCookie(session!), headers: { accept: 'text/html' } });
      expect(replay.statusCode).toBe(endpoint === 'forward-auth' ? 302 : 401);
      expect(replay.headers['remote-user']).toBeUndefined();
    }
    const home = await fx.app.inject({ method: 'GET', url: '/', headers: { cookie: sessionCookie(session!) } });
    expect(home.body).toContain('Not signed in.');
  });

  it('the revocation is on disk: a restart does not bring the session back', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const { session } = await tokenLogin(fx.app);
    const id = session!.split('.')[0]!;
    await logout(fx.app, session!);
    const reloaded = new FileSessionStore(fx.dataDir, () => fx.clock.now, 0);
    await reloaded.load();
    expect(reloaded.get(id)).toBeUndefined();
    await reloaded.close();
  });

  it('logging out one browser leaves another browser signed in', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const a = (await tokenLogin(fx.app)).session!;
    const b = (await tokenLogin(fx.app)).session!;
    await logout(fx.app, a);
    expect((await check(fx.app, 'forward-auth', url, { cookie: sessionCookie(a) })).statusCode).toBe(401);
    expect((await check(fx.app, 'forward-auth', url, { cookie: sessionCookie(b) })).statusCode).toBe(200);
  });

  it('a logout without the session secret (id only) revokes nothing', async () => {
    fx = await createAppFixture(TOKEN_MODE);
    const session = (await tokenLogin(fx.app)).session!;
    const [id] = session.split('.');
    const forged = `${id}.${'A'.repeat(43)}`;
    const { csrfCookie, csrf } = await fetchForm(fx.app, '/logout');
    const res = await postForm(fx.app, '/logout', { csrf }, `${csrfCookie}; ${sessionCookie(forged)}`);
    expect(res.statusCode).toBe(303);
    expect((await check(fx.app, 'forward-auth', url, { cookie: sessionCookie(session) })).statusCode).toBe(200);
  });
});
