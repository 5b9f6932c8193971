/**
 * GET /settings: the page for an admin (and for everyone in open mode, with
 * the red banner); anyone else is sent to sign in, a signed-in non-admin is
 * told it is for admins. The page and its scripts fit the CSP (no inline
 * script or style) and are served from Gatehouse's own allow-listed assets.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PUBLIC_DIR } from '../../src/http/pages.js';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { enrolTotp, passwordStep, userNamed } from '../support/mfa.js';
import { ALICE, BOB, cookieOf, PORTAL, signIn, userPasswordFixture, VICTOR } from '../support/user-password.js';

const SCRIPTS = ['settings.js', 'settings-api.js', 'settings-mode.js', 'settings-users.js', 'settings-rules.js', 'settings-more.js', 'settings-proxy.js'];

describe('GET /settings', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  const get = (session?: string) => fx.app.inject({ method: 'GET', url: '/settings', remoteAddress: '127.0.0.1', headers: session ? { cookie: cookieOf(session) } : {} });

  it('in open mode: served to anyone, with the open-mode banner and the strict CSP', async () => {
    fx = await createAppFixture({ mode: 'open' });
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toMatch(/^default-src 'self';/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('class="banner danger"');
    expect(res.body).toContain('<script type="module" src="/assets/settings.js"></script>');
    expect(res.body).toMatch(/Gatehouse is in <strong id="mode-current">open<\/strong> mode/);
  });

  it('without a session: 303 to the login page, coming back here afterwards', async () => {
    fx = await userPasswordFixture([ALICE]);
    const res = await get();
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/login?rd=${encodeURIComponent(`${PORTAL}/settings`)}`);
  });

  it('an admin gets the page, no banner; viewers and editors get a 403 page, not a login loop', async () => {
    fx = await userPasswordFixture([ALICE, BOB, VICTOR]);
    const page = await get(await signIn(fx.app, ALICE));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Signed in as alice (admin).');
    expect(page.body).not.toContain('banner danger');
    for (const user of [BOB, VICTOR]) {
      const res = await get(await signIn(fx.app, user));
      expect(res.statusCode, user.username).toBe(403);
      expect(res.body).toContain(`Settings are for administrators. You are signed in as ${user.username} (${user.role}).`);
      expect(res.body).not.toContain('settings.js');
    }
  });

  it('a half-finished login (second factor still owed) is not a session: sent to sign in', async () => {
    fx = await userPasswordFixture([ALICE]);
    await enrolTotp(fx, userNamed(fx, 'alice'));
    const { session: partial } = await passwordStep(fx.app, ALICE);
    expect((await get(partial)).statusCode).toBe(303);
  });

  it('every tab is a real tab button controlling a labelled panel; every input has a label', async () => {
    const html = await readFile(join(PUBLIC_DIR, 'settings.html'), 'utf8');
    const tabs = [...html.matchAll(/<button type="button" role="tab" id="tab-(\w+)" aria-controls="panel-(\w+)" aria-selected="(true|false)"/g)];
    expect(tabs.map((m) => m[1])).toEqual(['mode', 'users', 'rules', 'oidc', 'tokens', 'security', 'audit', 'proxy']);
    expect(tabs.every((m) => m[1] === m[2])).toBe(true);
    expect(tabs.filter((m) => m[3] === 'true')).toHaveLength(1);
    for (const [, name] of tabs) expect(html).toMatch(new RegExp(`role="tabpanel" id="panel-${name}" aria-labelledby="tab-${name}"`));
    const ids = [...html.matchAll(/<(?:input|select)\b[^>]*\bid="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(30);
    for (const id of ids) expect(html, `label for #${id}`).toContain(`<label for="${id}"`);
  });

  it('fits the CSP: no inline scripts, style attributes or event handlers; the scripts are allow-listed assets', async () => {
    fx = await createAppFixture({ mode: 'open' });
    const html = (await get()).body;
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);
    for (const name of SCRIPTS) {
      const res = await fx.app.inject({ method: 'GET', url: `/assets/${name}`, remoteAddress: '127.0.0.1' });
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
      // Text goes in as text, and nothing is loaded from elsewhere.
      expect(res.body).not.toMatch(/\.innerHTML\s*=|\beval\(|new Function|(?:from|import\(|fetch\()\s*['"`]https?:/);
    }
    expect((await fx.app.inject({ method: 'GET', url: '/assets/settings.html', remoteAddress: '127.0.0.1' })).statusCode).toBe(404);
  });
});
