import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';

/**
 * Attack (or accident): an admin proves a provider with one test login, then the client id
 * or secret is changed outside the settings page (`gatehouse config set`, a hand edit) and
 * the old test login still unlocks the switch to oauth2 mode, with a client nobody has
 * ever signed in with. Nobody could sign in after the switch.
 */

const ISSUER = 'https://idp.example.com/application/o/gatehouse/';
const TEST_LOGIN = /complete one test login/;

describe('attack: a test login made with an old OIDC client unlocks the switch for a new one', () => {
  let fx: AppFixture;

  beforeEach(async () => {
    fx = await createAppFixture({
      mode: 'userPassword',
      oauth2: { issuerUrl: ISSUER, clientId: 'gatehouse', clientSecret: 'first-secret-0123456789', adminGroupValues: ['admins'] },
    });
    fx.oidcReadiness.markDiscovered(ISSUER);
    fx.oidcReadiness.markTestLogin(ISSUER, 'alice');
    expect(fx.oidcReadiness.problem(ISSUER)).toBeNull();
  });
  afterEach(() => fx.close());

  const switchProblems = () => fx.modeSwitcher.preflight('oauth2').problems;

  it('a new client id set through the config store (what `gatehouse config set` does) needs a new test login', async () => {
    await fx.store.update((doc) => ({ ...doc, oauth2: { ...doc.oauth2!, clientId: 'gatehouse-2' } }));
    expect(fx.oidcReadiness.problem(ISSUER)).toMatch(/discovery/);
    expect(fx.oidcReadiness.status(ISSUER)).toEqual({ discovered: false, testLogin: null });
    expect(switchProblems().some((p) => /discovery/.test(p))).toBe(true);
  });

  it('a new client secret written into config.json by hand needs a new test login', async () => {
    const file = join(fx.dataDir, 'config.json');
    const doc = JSON.parse(await readFile(file, 'utf8')) as { oauth2: Record<string, unknown> };
    doc.oauth2.clientSecret = 'second-secret-9876543210';
    await writeFile(file, JSON.stringify(doc));
    await fx.store.reload();
    expect(fx.store.current.oauth2?.clientSecret).toBe('second-secret-9876543210');
    expect(fx.oidcReadiness.problem(ISSUER)).not.toBeNull();
    expect(fx.oidcReadiness.status(ISSUER).testLogin).toBeNull();
  });

  it('removing the oauth2 block forgets the provider too', async () => {
    await fx.store.update((doc) => {
      // Only oauth2 mode requires the block, and this instance is in userPassword mode.
      const { oauth2: _dropped, ...rest } = doc;
      return rest as typeof doc;
    });
    expect(fx.oidcReadiness.status(ISSUER)).toEqual({ discovered: false, testLogin: null });
  });

  it('a change that leaves the client alone (scopes, group mapping) keeps the test login', async () => {
    await fx.store.update((doc) => ({ ...doc, oauth2: { ...doc.oauth2!, scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'], editorGroupValues: ['editors'] } }));
    expect(fx.oidcReadiness.problem(ISSUER)).toBeNull();
    expect(switchProblems().some((p) => TEST_LOGIN.test(p))).toBe(false);
  });
});
