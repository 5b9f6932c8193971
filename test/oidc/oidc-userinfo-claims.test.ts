import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWithSession, loginAs, oidcTestbed, type OidcTestbed } from '../support/oidc-flow.js';
import { ADMIN_GROUP } from '../support/oidc-provider.js';

/** Providers that keep profile claims out of the id_token (oidc-provider's default, Pocket ID…). */
describe('oauth2: groups and profile only from userinfo', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed({ provider: { claimsInIdToken: false } });
  });
  afterAll(() => bed.close());

  it('fetches userinfo and maps its groups; identity still comes from the id_token', async () => {
    const { res, session } = await loginAs(bed, 'alice');
    expect(res.statusCode).toBe(303);
    expect(bed.idp.requestCount('/me')).toBeGreaterThan(0);
    const checked = await checkWithSession(bed.app, session!);
    expect(checked.headers['remote-user']).toBe('alice');
    expect(checked.headers['remote-groups']).toBe(`admin,staff,${ADMIN_GROUP}`);
    expect(checked.headers['remote-email']).toBe('alice@example.com');
  });
});
