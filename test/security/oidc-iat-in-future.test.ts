import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ID_TOKEN_CLOCK_SKEW_SECONDS } from '../../src/oidc/id-token.js';
import { gatehouseCheck } from '../support/id-token-check.js';
import { loginFailures, loginWithTamperedIdToken, oidcTestbed, setsNoSession, validClaims, type OidcTestbed } from '../support/oidc-flow.js';

/**
 * An id_token "issued" in the future: pre-minted tokens that stay valid long
 * after they should have expired, or a provider clock gone wrong. openid-client
 * does not check this; Gatehouse's own id_token check does.
 */
describe('attack: id_token with iat in the future', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('iat an hour ahead is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await loginWithTamperedIdToken(bed, (claims) => ({ claims: { ...claims, iat: now + 3600, exp: now + 7200 } }));
    expect(setsNoSession(res)).toBe(true);
    expect(res.statusCode).toBe(401);
    expect(loginFailures(bed).at(-1)).toMatch(/iat_in_future/);
  });

  it('a few seconds of clock difference is tolerated; more than the skew is not', async () => {
    const check = gatehouseCheck(bed.idp);
    const now = Math.floor(Date.now() / 1000);
    const slightly = await bed.idp.signIdToken({ ...validClaims(bed.idp, 'n', now), iat: now + 5 });
    expect(await check(slightly, 'n', now * 1000)).toMatchObject({ ok: true });
    const ahead = await bed.idp.signIdToken({ ...validClaims(bed.idp, 'n', now), iat: now + ID_TOKEN_CLOCK_SKEW_SECONDS + 5, exp: now + 600 });
    expect(await check(ahead, 'n', now * 1000)).toMatchObject({ ok: false, failure: 'iat_in_future' });
  });
});
