import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callback, oidcTestbed, prepareCallback, setsNoSession, type OidcTestbed } from '../support/oidc-flow.js';
import { cookieFrom } from '../support/portal.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';

/** A captured callback (URL and flow cookie) sent again after it was used. */
describe('attack: replaying an OIDC callback', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('the first callback signs in; the same callback with the same cookie is refused and exchanges nothing', async () => {
    const { started, callbackUrl } = await prepareCallback(bed);
    const first = await callback(bed.app, callbackUrl, started.flowCookie);
    expect(first.statusCode).toBe(303);
    expect(cookieFrom(first, SESSION_COOKIE)).toBeTruthy();

    const tokensBefore = bed.idp.requestCount('/token');
    const replay = await callback(bed.app, callbackUrl, started.flowCookie);
    expect(setsNoSession(replay)).toBe(true);
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('already used');
    expect(bed.idp.requestCount('/token')).toBe(tokensBefore);
  });

  it('two concurrent deliveries of one callback give at most one session', async () => {
    const { started, callbackUrl } = await prepareCallback(bed);
    const results = await Promise.all([callback(bed.app, callbackUrl, started.flowCookie), callback(bed.app, callbackUrl, started.flowCookie)]);
    expect(results.filter((r) => !setsNoSession(r))).toHaveLength(1);
  });
});
