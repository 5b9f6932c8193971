/**
 * In oauth2 mode the doctor compares this machine's clock with the provider's (the Date
 * header of a real oidc-provider's discovery document): in step, nothing; two minutes
 * apart, a warning (ID tokens carry iat/exp, and a skewed clock makes them look expired).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import type { Finding } from '../../src/doctor/diagnose.js';
import { loginAs, oidcTestbed, type OidcTestbed } from '../support/oidc-flow.js';

describe('doctor: clock skew against the OIDC provider', () => {
  let bed: OidcTestbed;
  let session: string;
  beforeAll(async () => {
    bed = await oidcTestbed();
    session = (await loginAs(bed, 'alice')).session!;
  });
  afterAll(() => bed.close());

  async function findings(): Promise<Finding[]> {
    const res = await bed.app.inject({ method: 'GET', url: '/api/admin/doctor', headers: { cookie: `${SESSION_COOKIE}=${session}` } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().findings;
  }

  it('clocks in step: no clock_skew finding', async () => {
    expect((await findings()).map((f) => f.code)).not.toContain('clock_skew');
  });

  it('our clock two minutes ahead: a clock_skew warning that says which way', async () => {
    bed.fx.clock.now = Date.now() + 120_000;
    const skew = (await findings()).find((f) => f.code === 'clock_skew');
    expect(skew).toMatchObject({ level: 'warning', fix: { for: 'gatehouse' } });
    expect(skew!.message).toMatch(/clock is 1(19|20|21) s ahead of the OIDC provider's/);
  });
});
