import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWithSession, loginWithTamperedIdToken, oidcTestbed, type OidcTestbed } from '../support/oidc-flow.js';
import { cookieFrom } from '../support/portal.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';

/**
 * An email claim with two `@` (`victim@corp.example@evil.example`): upstream
 * apps that key accounts on Remote-Email may parse either half. Gatehouse
 * passes on only plausible single addresses; identity never depends on email.
 */
describe('attack: email claim with two @', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('the user signs in, but no Remote-Email is sent and the principal has no email', async () => {
    const res = await loginWithTamperedIdToken(bed, (claims) => ({ claims: { ...claims, email: 'boss@corp.example@evil.example' } }));
    expect(res.statusCode).toBe(303);
    const session = cookieFrom(res, SESSION_COOKIE)!;
    const checked = await checkWithSession(bed.app, session);
    expect(checked.statusCode).toBe(200);
    expect(checked.headers['remote-user']).toBe('alice');
    expect(checked.headers['remote-email']).toBeUndefined();
    expect(bed.fx.sessions.verify(session, 'oauth2')!.principal.email).toBeUndefined();
  });

  it('a normal address is passed on', async () => {
    const res = await loginWithTamperedIdToken(bed, (claims) => ({ claims }));
    const checked = await checkWithSession(bed.app, cookieFrom(res, SESSION_COOKIE)!);
    expect(checked.headers['remote-email']).toBe('alice@example.com');
  });
});
