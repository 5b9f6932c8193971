import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouseCheck } from '../support/id-token-check.js';
import { callback, loginFailures, loginWithTamperedIdToken, oidcTestbed, prepareCallback, setsNoSession, validClaims, type OidcTestbed } from '../support/oidc-flow.js';

/**
 * Mix-up: a response or token from another issuer presented as this
 * provider's. Identity is issuer + sub, so accepting it would let another
 * provider's "u-1001" become this one's.
 */
describe('attack: issuer mix-up', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('an id_token whose iss is another provider is refused, even when correctly signed', async () => {
    const res = await loginWithTamperedIdToken(bed, (claims) => ({ claims: { ...claims, iss: 'https://evil-idp.example.net' } }));
    expect(setsNoSession(res)).toBe(true);
    expect(res.statusCode).toBe(401);
    expect(loginFailures(bed).at(-1)).toMatch(/iss/);
  });

  it('an id_token whose iss only differs by a trailing slash is refused (exact match)', async () => {
    const res = await loginWithTamperedIdToken(bed, (claims) => ({ claims: { ...claims, iss: `${bed.idp.issuer}/` } }));
    expect(setsNoSession(res)).toBe(true);
  });

  it('an authorization response carrying another issuer (RFC 9207 iss) is refused before the code is exchanged', async () => {
    const { started, callbackUrl } = await prepareCallback(bed);
    callbackUrl.searchParams.set('iss', 'https://evil-idp.example.net');
    const tokensBefore = bed.idp.requestCount('/token');
    const res = await callback(bed.app, callbackUrl, started.flowCookie);
    expect(setsNoSession(res)).toBe(true);
    expect(bed.idp.requestCount('/token')).toBe(tokensBefore);
  });

  it('Gatehouse’s own check refuses another issuer', async () => {
    const token = await bed.idp.signIdToken({ ...validClaims(bed.idp, 'n'), iss: 'https://evil-idp.example.net' });
    expect(await gatehouseCheck(bed.idp)(token, 'n')).toMatchObject({ ok: false, failure: 'issuer' });
  });
});
