import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ID_TOKEN_CLOCK_SKEW_SECONDS } from '../../src/oidc/id-token.js';
import { gatehouseCheck } from '../support/id-token-check.js';
import { loginFailures, loginWithTamperedIdToken, oidcTestbed, setsNoSession, validClaims, type OidcTestbed } from '../support/oidc-flow.js';

/** An old id_token (captured, or replayed from a log) presented as fresh. */
describe('attack: expired id_token', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('an id_token that expired an hour ago is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await loginWithTamperedIdToken(bed, (claims) => ({ claims: { ...claims, iat: now - 7200, exp: now - 3600 } }));
    expect(setsNoSession(res)).toBe(true);
    expect(res.statusCode).toBe(401);
    expect(loginFailures(bed).at(-1)).toMatch(/exp/);
  });

  it('Gatehouse’s own check refuses expiry beyond the clock skew, on its own clock', async () => {
    const check = gatehouseCheck(bed.idp);
    const now = Math.floor(Date.now() / 1000);
    const token = await bed.idp.signIdToken({ ...validClaims(bed.idp, 'n', now), exp: now + 60 });
    expect(await check(token, 'n', (now + 60 + ID_TOKEN_CLOCK_SKEW_SECONDS - 1) * 1000)).toMatchObject({ ok: true });
    expect(await check(token, 'n', (now + 60 + ID_TOKEN_CLOCK_SKEW_SECONDS + 1) * 1000)).toMatchObject({ ok: false, failure: 'expired' });
  });
});
