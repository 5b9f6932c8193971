import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callback, oidcTestbed, prepareCallback, setsNoSession, type OidcTestbed } from '../support/oidc-flow.js';

/**
 * Login CSRF: an attacker completes a login at the provider and sends the
 * resulting callback URL (their code, their state) to a victim, whose browser
 * holds its own flow cookie. The state is bound to the browser that started
 * the flow, so the attacker's code is never exchanged.
 */
describe('attack: OIDC callback whose state belongs to another browser', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('the attacker’s callback with the victim’s cookie is refused without a code exchange', async () => {
    const attacker = await prepareCallback(bed, 'vic');
    const victim = await prepareCallback(bed, 'alice');
    const tokensBefore = bed.idp.requestCount('/token');
    const res = await callback(bed.app, attacker.callbackUrl, victim.started.flowCookie);
    expect(setsNoSession(res)).toBe(true);
    expect(bed.idp.requestCount('/token')).toBe(tokensBefore);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toMatch(/^\/api\/auth\/oidc\/start\?attempt=2/);
    expect(bed.logs().some((l) => /Invalid OIDC session \(state does not match this browser’s flow\)/.test(l.msg))).toBe(true);
  });

  it('a callback with no flow cookie at all is refused the same way', async () => {
    const attacker = await prepareCallback(bed, 'vic');
    const res = await callback(bed.app, attacker.callbackUrl, undefined);
    expect(setsNoSession(res)).toBe(true);
    expect(res.statusCode).toBe(302);
  });

  it('a state with one character changed is refused', async () => {
    const { started, callbackUrl } = await prepareCallback(bed);
    const state = callbackUrl.searchParams.get('state')!;
    callbackUrl.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
    const res = await callback(bed.app, callbackUrl, started.flowCookie);
    expect(setsNoSession(res)).toBe(true);
  });
});
