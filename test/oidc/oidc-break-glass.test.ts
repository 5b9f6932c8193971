import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { cookieFrom, check, fetchForm, postForm } from '../support/portal.js';

const ADMIN = { username: 'root-admin', password: 'correct horse battery staple', role: 'admin' as const };
const EDITOR = { username: 'bob', password: 'bob likes long passphrases', role: 'editor' as const };
const APP = 'https://app.example.com/dash';

/** An outage at the provider must not lock the admins out: local admins keep a password login. */
describe('oauth2 break-glass: local admins with allowLocalAdmins', () => {
  let fx: AppFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  async function fixture(allowLocalAdmins: boolean): Promise<AppFixture> {
    // A provider nobody listens for: the break-glass path must not need it.
    const f = await createAppFixture({
      mode: 'oauth2',
      oauth2: { issuerUrl: 'http://127.0.0.1:9', clientId: 'gatehouse', allowLocalAdmins },
      security: { bcryptCost: 12 },
    });
    for (const user of [ADMIN, EDITOR]) await f.accounts.users.create(user, { name: 'test' });
    return f;
  }

  async function signIn(f: AppFixture, username: string, password: string) {
    const { csrfCookie, csrf } = await fetchForm(f.app, '/login');
    return postForm(f.app, '/login', { csrf, username, password, rd: APP }, csrfCookie);
  }

  it('a local admin signs in with a password while the provider is down; the session works in oauth2 mode', async () => {
    fx = await fixture(true);
    const page = await fx.app.inject({ method: 'GET', url: '/login' });
    expect(page.body).toContain('Local administrator sign-in');
    const res = await signIn(fx, ADMIN.username, ADMIN.password);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(APP);
    const session = cookieFrom(res, SESSION_COOKIE)!;
    const checked = await check(fx.app, 'forward-auth', APP, { cookie: `${SESSION_COOKIE}=${session}` });
    expect(checked.statusCode).toBe(200);
    expect(checked.headers['remote-user']).toBe(ADMIN.username);
    expect(fx.sessions.verify(session, 'oauth2')!.amr).toEqual(['pwd']);
  });

  it('attack: a break-glass session outlives allowLocalAdmins being turned off — it ends with the switch', async () => {
    const f = (fx = await fixture(true));
    const session = cookieFrom(await signIn(f, ADMIN.username, ADMIN.password), SESSION_COOKIE)!;
    const cookie = `${SESSION_COOKIE}=${session}`;
    expect((await check(f.app, 'forward-auth', APP, { cookie })).statusCode).toBe(200);
    await f.store.update((c) => ({ ...c, oauth2: { ...c.oauth2!, allowLocalAdmins: false } }));
    await expect.poll(async () => (await check(f.app, 'forward-auth', APP, { cookie })).statusCode, { timeout: 3_000 }).toBe(401);
  });

  it('a local non-admin with the right password gets exactly the wrong-password answer', async () => {
    fx = await fixture(true);
    const editor = await signIn(fx, EDITOR.username, EDITOR.password);
    const wrong = await signIn(fx, ADMIN.username, 'not the password at all');
    expect(cookieFrom(editor, SESSION_COOKIE)).toBeFalsy();
    expect(editor.statusCode).toBe(wrong.statusCode);
    expect(editor.statusCode).toBe(401);
    const message = (body: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(body)?.[1];
    expect(message(editor.body)).toBe(message(wrong.body));
    const audit = await fx.accounts.audit.read();
    expect(audit.some((e) => e.event === 'login.failure' && e.details?.reason === 'not_a_break_glass_admin' && e.target === EDITOR.username)).toBe(true);
  });

  it('with allowLocalAdmins off there is no local form and no password login', async () => {
    fx = await fixture(false);
    const page = await fx.app.inject({ method: 'GET', url: '/login' });
    expect(page.body).not.toContain('Local administrator sign-in');
    // The page still carries the CSRF cookie a form post would need; post one by hand.
    const { csrfCookie, csrf } = await fetchForm(fx.app, '/logout');
    const res = await postForm(fx.app, '/login', { csrf, username: ADMIN.username, password: ADMIN.password, rd: APP }, csrfCookie);
    expect(res.statusCode).toBe(400);
    expect(cookieFrom(res, SESSION_COOKIE)).toBeFalsy();
  });
});
