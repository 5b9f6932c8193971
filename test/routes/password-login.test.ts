import { afterEach, describe, expect, it } from 'vitest';
import { createAppFixture, forwardAuthHeaders, type AppFixture } from '../support/app-fixture.js';
import { postLogin } from '../support/login.js';

const ADMIN = { username: 'alice', password: 'correct horse battery staple' };

async function fixtureWithUsers(): Promise<AppFixture> {
  const fx = await createAppFixture({ mode: 'userPassword', security: { bcryptCost: 12 } });
  await fx.accounts.users.create({ ...ADMIN, role: 'admin' }, { name: 'test' });
  await fx.accounts.users.create({ username: 'victor', password: 'viewer password 123', role: 'viewer' }, { name: 'test' });
  return fx;
}

describe('userPassword login portal', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('logs in, redirects 303 to a safe rd, and the session passes the check with the role in Remote-Groups', async () => {
    fx = await fixtureWithUsers();
    const { res, session } = await postLogin(fx.app, { ...ADMIN, rd: 'https://app.example.com/dash' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('https://app.example.com/dash');
    expect(session).toBeDefined();
    const check = await fx.app.inject({ method: 'GET', url: '/api/authz/forward-auth', remoteAddress: '127.0.0.1', headers: { ...forwardAuthHeaders('https://app.example.com/dash'), cookie: session! } });
    expect(check.statusCode).toBe(200);
    expect(check.headers['remote-user']).toBe('alice');
    expect(check.headers['remote-groups']).toBe('admin');
  });

  it('refuses a viewer POST at the check with 403 and allows their GET', async () => {
    fx = await fixtureWithUsers();
    const { session } = await postLogin(fx.app, { username: 'victor', password: 'viewer password 123' });
    const get = await fx.app.inject({ method: 'GET', url: '/api/authz/forward-auth', remoteAddress: '127.0.0.1', headers: { ...forwardAuthHeaders('https://app.example.com/'), cookie: session! } });
    const post = await fx.app.inject({ method: 'GET', url: '/api/authz/forward-auth', remoteAddress: '127.0.0.1', headers: { ...forwardAuthHeaders('https://app.example.com/', 'POST'), cookie: session! } });
    expect(get.statusCode).toBe(200);
    expect(post.statusCode).toBe(403);
  });

  it('answers an unknown user and a wrong password identically', async () => {
    fx = await fixtureWithUsers();
    const unknown = await postLogin(fx.app, { username: 'nobody', password: 'whatever password' });
    const wrong = await postLogin(fx.app, { username: 'alice', password: 'whatever password' });
    expect(unknown.res.statusCode).toBe(401);
    expect(wrong.res.statusCode).toBe(401);
    expect(unknown.session).toBeUndefined();
    const strip = (body: string) => body.replace(/value="[^"]*"/g, '');
    expect(strip(unknown.res.body)).toBe(strip(wrong.res.body).replace('value="alice"', 'value="nobody"'));
  });
});
