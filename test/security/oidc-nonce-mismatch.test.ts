import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouseCheck } from '../support/id-token-check.js';
import { loginFailures, loginWithTamperedIdToken, oidcTestbed, setsNoSession, validClaims, type OidcTestbed } from '../support/oidc-flow.js';

/** An id_token minted for another login (another nonce) injected into this one. */
describe('attack: id_token with a nonce from another flow', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('the login is refused', async () => {
    const res = await loginWithTamperedIdToken(bed, (claims) => ({ claims: { ...claims, nonce: 'nonce-of-another-login' } }));
    expect(setsNoSession(res)).toBe(true);
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('could not be verified');
    expect(loginFailures(bed).at(-1)).toMatch(/nonce/);
  });

  it('an id_token without a nonce is refused', async () => {
    const res = await loginWithTamperedIdToken(bed, ({ nonce: _nonce, ...claims }) => ({ claims }));
    expect(setsNoSession(res)).toBe(true);
  });

  it('Gatehouse’s own check refuses it too, with its own reason', async () => {
    const check = gatehouseCheck(bed.idp);
    const token = await bed.idp.signIdToken(validClaims(bed.idp, 'nonce-a'));
    expect(await check(token, 'nonce-a')).toMatchObject({ ok: true });
    expect(await check(token, 'nonce-b')).toMatchObject({ ok: false, failure: 'nonce' });
  });
});
