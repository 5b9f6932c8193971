import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { ALICE, api, BOB, checkAs, cookieOf, readAuditFile, sessionFor, sessionId, userPasswordFixture, VICTOR } from '../support/user-password.js';

describe('/api/admin/sessions', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('an admin lists everyone’s sessions, optionally for one user', async () => {
    fx = await userPasswordFixture([ALICE, BOB, VICTOR]);
    const admin = await sessionFor(fx, 'alice');
    const bob = await sessionFor(fx, 'bob');
    const victor = await sessionFor(fx, 'victor');
    const all = await api(fx.app, 'GET', '/api/admin/sessions', admin);
    expect(all.statusCode).toBe(200);
    const ids = (all.json() as { sessions: Array<{ id: string }> }).sessions.map((s) => s.id).sort();
    expect(ids).toEqual([admin, bob, victor].map(sessionId).sort());
    const onlyBob = await api(fx.app, 'GET', '/api/admin/sessions?user=bob', admin);
    expect((onlyBob.json() as { sessions: Array<{ id: string; user: string }> }).sessions).toEqual([expect.objectContaining({ id: sessionId(bob), user: 'bob' })]);
    expect(all.body).not.toContain(bob.split('.')[1]);
  });

  it('an admin ends another user’s session; it is audited with both names', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const admin = await sessionFor(fx, 'alice');
    const bob = await sessionFor(fx, 'bob');
    const res = await api(fx.app, 'DELETE', `/api/admin/sessions/${sessionId(bob)}`, admin);
    expect(res.statusCode).toBe(200);
    expect((await checkAs(fx.app, { session: bob })).statusCode).toBe(401);
    expect((await checkAs(fx.app, { session: admin })).statusCode).toBe(200);
    expect((await api(fx.app, 'DELETE', `/api/admin/sessions/${sessionId(bob)}`, admin)).statusCode).toBe(404);
    const { events } = await readAuditFile(fx.dataDir);
    expect(events).toContainEqual(expect.objectContaining({ event: 'session.revoke', actor: 'alice', target: 'bob' }));
  });

  it('viewers and editors get 403 on list and delete; without a session 401', async () => {
    fx = await userPasswordFixture([ALICE, BOB, VICTOR]);
    const admin = await sessionFor(fx, 'alice');
    for (const user of [VICTOR, BOB]) {
      const session = await sessionFor(fx, user.username);
      expect((await api(fx.app, 'GET', '/api/admin/sessions', session)).statusCode, user.username).toBe(403);
      expect((await api(fx.app, 'DELETE', `/api/admin/sessions/${sessionId(admin)}`, session)).statusCode, user.username).toBe(403);
    }
    expect((await api(fx.app, 'GET', '/api/admin/sessions')).statusCode).toBe(401);
    expect((await checkAs(fx.app, { session: admin })).statusCode).toBe(200);
  });

  it('a cross-origin delete by an admin is refused', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const admin = await sessionFor(fx, 'alice');
    const bob = await sessionFor(fx, 'bob');
    const res = await fx.app.inject({ method: 'DELETE', url: `/api/admin/sessions/${sessionId(bob)}`, remoteAddress: '127.0.0.1', headers: { origin: 'https://evil.example.net', cookie: cookieOf(admin) } });
    expect(res.statusCode).toBe(403);
    expect((await checkAs(fx.app, { session: bob })).statusCode).toBe(200);
  });

  it('at the check, the admin API is for admins only: editors and viewers are refused there too', async () => {
    fx = await userPasswordFixture([ALICE, BOB, VICTOR]);
    const url = 'https://auth.example.com/api/admin/sessions';
    expect((await checkAs(fx.app, { session: await sessionFor(fx, 'alice'), url })).statusCode).toBe(200);
    expect((await checkAs(fx.app, { session: await sessionFor(fx, 'bob'), url })).statusCode).toBe(403);
    expect((await checkAs(fx.app, { session: await sessionFor(fx, 'victor'), url })).statusCode).toBe(403);
    // Editors may do anything elsewhere, viewers only read.
    expect((await checkAs(fx.app, { session: await sessionFor(fx, 'bob'), method: 'DELETE' })).statusCode).toBe(200);
    expect((await checkAs(fx.app, { session: await sessionFor(fx, 'victor'), method: 'DELETE' })).statusCode).toBe(403);
  });
});
