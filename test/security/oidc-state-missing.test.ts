import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_COOKIE } from '../../src/oidc/flow-cookie.js';
import { callback, oidcTestbed, prepareCallback, setsNoSession, startLogin, type OidcTestbed } from '../support/oidc-flow.js';
import { setCookies } from '../support/portal.js';

/** A callback without `state` (a forged or truncated response) never reaches the token endpoint. */
describe('attack: OIDC callback with the state missing', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('is refused without a code exchange; the flow cookie is cleared and the sign-in restarts once', async () => {
    const { started, callbackUrl } = await prepareCallback(bed);
    callbackUrl.searchParams.delete('state');
    const tokensBefore = bed.idp.requestCount('/token');
    const res = await callback(bed.app, callbackUrl, started.flowCookie);
    expect(setsNoSession(res)).toBe(true);
    expect(bed.idp.requestCount('/token')).toBe(tokensBefore);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toMatch(/^\/api\/auth\/oidc\/start\?attempt=2&rd=/);
    expect(setCookies(res).some((c) => c.startsWith(`${FLOW_COOKIE}=;`) && /Max-Age=0/.test(c))).toBe(true);
  });

  it('on the restarted attempt it is refused with "Invalid OIDC session" instead of looping', async () => {
    const started = await startLogin(bed.app, undefined, {}, '&attempt=2');
    const callbackUrl = await bed.idp.login(started.location, 'alice');
    callbackUrl.searchParams.delete('state');
    const res = await callback(bed.app, callbackUrl, started.flowCookie);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Invalid OIDC session');
    expect(setsNoSession(res)).toBe(true);
    expect(bed.logs().some((l) => /Invalid OIDC session \(no state in the response\)/.test(l.msg))).toBe(true);
  });
});
