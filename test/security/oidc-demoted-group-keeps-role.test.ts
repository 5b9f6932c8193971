/**
 * Attack: a provider group is removed from adminGroupValues (say, after a compromise), but
 * sessions created under the old mapping keep their admin role until they expire. Changing
 * the provider, or narrowing the mapping, ends every OIDC session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWithSession, loginAs, oidcTestbed, type OidcTestbed } from '../support/oidc-flow.js';

describe('attack: a demoted group keeps its role through an old session', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('removing the admin group from the mapping ends the OIDC sessions it created', async () => {
    const { session } = await loginAs(bed, 'alice');
    expect((await checkWithSession(bed.app, session!)).headers['remote-groups']).toMatch(/^admin,/);
    await bed.fx.store.update((c) => ({ ...c, oauth2: { ...c.oauth2!, adminGroupValues: [] } }));
    await expect.poll(async () => (await checkWithSession(bed.app, session!)).statusCode, { timeout: 3_000 }).toBe(401);
    // Signing in again gives the role the new mapping says.
    const again = await loginAs(bed, 'alice');
    expect((await checkWithSession(bed.app, again.session!)).headers['remote-groups']).toMatch(/^viewer,/);
  });

  it('a lower fallback role ends them too', async () => {
    const { session } = await loginAs(bed, 'erin');
    expect((await checkWithSession(bed.app, session!)).statusCode).toBe(200);
    await bed.fx.store.update((c) => ({ ...c, oauth2: { ...c.oauth2!, fallbackRole: 'deny' } }));
    await expect.poll(async () => (await checkWithSession(bed.app, session!)).statusCode, { timeout: 3_000 }).toBe(401);
    await bed.fx.store.update((c) => ({ ...c, oauth2: { ...c.oauth2!, fallbackRole: 'viewer' } }));
  });

  it('a change that takes nothing away (scopes, a new admin group) leaves sessions alone', async () => {
    const { session } = await loginAs(bed, 'erin');
    await bed.fx.store.update((c) => ({ ...c, oauth2: { ...c.oauth2!, scopes: ['openid', 'profile', 'email', 'groups'], adminGroupValues: [...c.oauth2!.adminGroupValues, 'ops'] } }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await checkWithSession(bed.app, session!)).statusCode).toBe(200);
  });
});
