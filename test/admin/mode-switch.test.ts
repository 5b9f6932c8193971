import { afterEach, describe, expect, it } from 'vitest';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { jsonWriteHeaders } from '../support/login.js';

const ADMIN = { username: 'alice', password: 'correct horse battery staple' };

async function sessionCookie(fx: AppFixture): Promise<string> {
  const res = await fx.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '127.0.0.1', headers: await jsonWriteHeaders(fx.app), payload: ADMIN });
  expect(res.statusCode).toBe(200);
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('gatehouse_session='))!;
}

describe('mode switch with commit-confirm', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('refuses open → userPassword until an admin exists, then switches and is confirmed from a new-mode session', async () => {
    fx = await createAppFixture({ mode: 'open', security: { bcryptCost: 12 } });
    const refused = await fx.app.inject({ method: 'POST', url: '/api/admin/mode', remoteAddress: '127.0.0.1', headers: await jsonWriteHeaders(fx.app), payload: { mode: 'userPassword' } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().problems.join(' ')).toMatch(/admin/);

    await fx.accounts.users.create({ ...ADMIN, role: 'admin' }, { name: 'test' });
    const switched = await fx.app.inject({ method: 'POST', url: '/api/admin/mode', remoteAddress: '127.0.0.1', headers: await jsonWriteHeaders(fx.app), payload: { mode: 'userPassword' } });
    expect(switched.statusCode).toBe(200);
    expect(fx.store.current.mode).toBe('userPassword');

    const cookie = await sessionCookie(fx);
    const confirm = await fx.app.inject({ method: 'POST', url: '/api/admin/mode/confirm', remoteAddress: '127.0.0.1', headers: await jsonWriteHeaders(fx.app, cookie), payload: {} });
    expect(confirm.statusCode).toBe(200);
    expect(fx.modeSwitcher.pending()).toBeNull();
    const audit = await readFile(join(fx.dataDir, 'audit.log'), 'utf8');
    expect(audit).toMatch(/"event":"mode.confirm"/);
  });

  it('rolls back by itself when nobody confirms in time, and says so in the audit log', async () => {
    fx = await createAppFixture({ mode: 'open', security: { bcryptCost: 12, switchConfirmWindow: '300ms' } });
    await fx.accounts.users.create({ ...ADMIN, role: 'admin' }, { name: 'test' });
    const switched = await fx.app.inject({ method: 'POST', url: '/api/admin/mode', remoteAddress: '127.0.0.1', headers: await jsonWriteHeaders(fx.app), payload: { mode: 'userPassword' } });
    expect(switched.statusCode).toBe(200);
    await expect.poll(() => fx.store.current.mode, { timeout: 3000 }).toBe('open');
    // The audit line is written just after the config: wait for it too.
    await expect.poll(() => readFile(join(fx.dataDir, 'audit.log'), 'utf8')).toMatch(/"event":"mode.rollback"/);
  });

  it('refuses a switch to open without the typed confirmation', async () => {
    fx = await createAppFixture({ mode: 'userPassword', security: { bcryptCost: 12 } });
    await fx.accounts.users.create({ ...ADMIN, role: 'admin' }, { name: 'test' });
    const cookie = await sessionCookie(fx);
    const res = await fx.app.inject({ method: 'POST', url: '/api/admin/mode', remoteAddress: '127.0.0.1', headers: await jsonWriteHeaders(fx.app, cookie), payload: { mode: 'open' } });
    expect(res.statusCode).toBe(409);
    const ok = await fx.app.inject({ method: 'POST', url: '/api/admin/mode', remoteAddress: '127.0.0.1', headers: await jsonWriteHeaders(fx.app, cookie), payload: { mode: 'open', confirmation: 'open' } });
    expect(ok.statusCode).toBe(200);
  });

  it('a switch cancelled from the shell (its file deleted, as `gatehouse recover` does) is no longer reported, confirmed or rolled back', async () => {
    fx = await createAppFixture({ mode: 'open', security: { bcryptCost: 12, switchConfirmWindow: '400ms' } });
    await fx.accounts.users.create({ ...ADMIN, role: 'admin' }, { name: 'test' });
    const switched = await fx.app.inject({ method: 'POST', url: '/api/admin/mode', remoteAddress: '127.0.0.1', headers: await jsonWriteHeaders(fx.app), payload: { mode: 'userPassword' } });
    expect(switched.statusCode).toBe(200);
    expect(fx.modeSwitcher.pending()).not.toBeNull();
    await unlink(join(fx.dataDir, 'mode-switch.json'));
    expect(fx.modeSwitcher.pending()).toBeNull();
    const cookie = await sessionCookie(fx);
    const confirm = await fx.app.inject({ method: 'POST', url: '/api/admin/mode/confirm', remoteAddress: '127.0.0.1', headers: await jsonWriteHeaders(fx.app, cookie), payload: {} });
    expect(confirm.statusCode).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(fx.store.current.mode).toBe('userPassword');
  });

  it('the next switch after a cancelled one rolls back to the mode it left, not to the mode before the cancelled switch', async () => {
    fx = await createAppFixture({ mode: 'open', security: { bcryptCost: 12, switchConfirmWindow: '1h' } });
    await fx.accounts.users.create({ ...ADMIN, role: 'admin' }, { name: 'test' });
    await fx.modeSwitcher.switchTo('userPassword', 'test');
    await unlink(join(fx.dataDir, 'mode-switch.json'));
    // Nothing asked for the pending switch in between: the cancelled one must still not count.
    const next = await fx.modeSwitcher.switchTo('open', 'test', 'open');
    expect(next.from).toBe('userPassword');
    fx.modeSwitcher.stop();
  });
});
