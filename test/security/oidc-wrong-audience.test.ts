import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouseCheck } from '../support/id-token-check.js';
import { loginFailures, loginWithTamperedIdToken, oidcTestbed, setsNoSession, validClaims, type OidcTestbed } from '../support/oidc-flow.js';

/** An id_token the provider issued to another client (another app using the same IdP). */
describe('attack: id_token for another client', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('aud = another client is refused', async () => {
    const res = await loginWithTamperedIdToken(bed, (claims) => ({ claims: { ...claims, aud: 'some-other-app' } }));
    expect(setsNoSession(res)).toBe(true);
    expect(res.statusCode).toBe(401);
    expect(loginFailures(bed).at(-1)).toMatch(/aud/);
  });

  it('several audiences including ours, but azp another client, is refused', async () => {
    const res = await loginWithTamperedIdToken(bed, (claims) => ({ claims: { ...claims, aud: [bed.idp.clientId, 'some-other-app'], azp: 'some-other-app' } }));
    expect(setsNoSession(res)).toBe(true);
  });

  it('Gatehouse’s own check refuses a foreign audience and a foreign azp', async () => {
    const check = gatehouseCheck(bed.idp);
    const foreign = await bed.idp.signIdToken({ ...validClaims(bed.idp, 'n'), aud: 'some-other-app' });
    expect(await check(foreign, 'n')).toMatchObject({ ok: false, failure: 'audience' });
    const multi = await bed.idp.signIdToken({ ...validClaims(bed.idp, 'n'), aud: [bed.idp.clientId, 'some-other-app'] });
    expect(await check(multi, 'n')).toMatchObject({ ok: false, failure: 'audience' });
    const withAzp = await bed.idp.signIdToken({ ...validClaims(bed.idp, 'n'), aud: [bed.idp.clientId, 'some-other-app'], azp: bed.idp.clientId });
    expect(await check(withAzp, 'n')).toMatchObject({ ok: true });
  });
});
