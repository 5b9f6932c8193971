import { createRemoteJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWKS_COOLDOWN_MS } from '../../src/oidc/provider-connection.js';
import { gatehouseCheck } from '../support/id-token-check.js';
import { callback, loginAs, loginFailures, oidcTestbed, prepareCallback, setsNoSession, validClaims, type OidcTestbed } from '../support/oidc-flow.js';

/**
 * id_tokens signed with keys the provider never published, each with a new
 * `kid`. A naive client refetches the JWKS for every unknown kid, turning
 * Gatehouse into an amplifier against the provider. Refetches are limited to
 * one per cooldown however many tokens arrive, counted at the provider.
 */
describe('attack: flood of id_tokens with unknown kids', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('20 concurrent callbacks with unknown kids: all refused, at most one JWKS refetch', async () => {
    expect((await loginAs(bed, 'alice')).res.statusCode).toBe(303);
    const jwksBefore = bed.idp.requestCount('/jwks');
    expect(jwksBefore).toBe(1);

    const flows = [];
    for (let i = 0; i < 20; i++) flows.push(await prepareCallback(bed, 'alice'));
    bed.idp.tamperIdTokens((claims) => ({ claims, key: 'unknown' }));
    const results = await Promise.all(flows.map((f) => callback(bed.app, f.callbackUrl, f.started.flowCookie)));
    bed.idp.tamperIdTokens(null);

    for (const res of results) {
      expect(setsNoSession(res)).toBe(true);
      expect(res.statusCode).toBe(401);
    }
    const failures = loginFailures(bed).slice(-20);
    expect(failures.every((l) => /unknown_key/.test(l)), failures.join('\n')).toBe(true);
    expect(bed.idp.requestCount('/jwks') - jwksBefore).toBeLessThanOrEqual(1);

    // The real key is still cached: a legitimate login works straight after the flood.
    expect((await loginAs(bed, 'erin')).res.statusCode).toBe(303);
  });

  it('500 unknown kids against Gatehouse’s id_token check: one JWKS fetch in all (cooldown ≥ 30s)', async () => {
    expect(JWKS_COOLDOWN_MS).toBeGreaterThanOrEqual(30_000);
    const before = bed.idp.requestCount('/jwks');
    const check = gatehouseCheck(bed.idp, createRemoteJWKSet(new URL(`${bed.idp.issuer}/jwks`), { cooldownDuration: JWKS_COOLDOWN_MS }));
    const tokens = await Promise.all(Array.from({ length: 50 }, () => bed.idp.signIdToken(validClaims(bed.idp, 'n'), 'unknown')));
    const results = [];
    for (let round = 0; round < 10; round++) results.push(...(await Promise.all(tokens.map((t) => check(t, 'n')))));
    expect(results).toHaveLength(500);
    expect(results.every((r) => !r.ok && r.failure === 'unknown_key')).toBe(true);
    expect(bed.idp.requestCount('/jwks') - before).toBe(1);
  });
});
