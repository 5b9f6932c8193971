import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { checkWithSession, loginAs, oidcTestbed, PORTAL, type OidcTestbed } from '../support/oidc-flow.js';
import { fetchForm, postForm } from '../support/portal.js';

describe('oauth2 logout', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('ends the Gatehouse session and sends the browser to the provider’s end_session_endpoint (RP-initiated logout)', async () => {
    const { session } = await loginAs(bed, 'alice');
    const sessionCookie = `${SESSION_COOKIE}=${session}`;
    const { csrfCookie, csrf } = await fetchForm(bed.app, '/logout', sessionCookie);
    const logoutPage = await bed.app.inject({ method: 'GET', url: '/logout', headers: { cookie: sessionCookie } });
    expect(logoutPage.body).toContain('action="/api/auth/oidc/logout"');

    const res = await postForm(bed.app, '/api/auth/oidc/logout', { csrf }, `${sessionCookie}; ${csrfCookie}`);
    expect(res.statusCode).toBe(200);
    const endSession = new URL(/<a class="button" href="([^"]+)"/.exec(res.body)![1]!.replace(/&#38;/g, '&'));
    expect(endSession.origin + endSession.pathname).toBe(`${bed.idp.issuer}/session/end`);
    expect(endSession.searchParams.get('client_id')).toBe(bed.idp.clientId);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${PORTAL}/login`);
    expect(res.body).toContain('http-equiv="refresh"');
    expect((await checkWithSession(bed.app, session!)).statusCode).not.toBe(200);

    // The provider accepts the request (client and post-logout URI are registered there).
    const atProvider = await fetch(endSession, { redirect: 'manual' });
    expect(atProvider.status).toBe(200);
    expect(await atProvider.text()).not.toMatch(/provider error/);
  });

  it('refuses a logout post without the form token', async () => {
    const { session } = await loginAs(bed, 'erin');
    const res = await postForm(bed.app, '/api/auth/oidc/logout', { csrf: 'forged' }, `${SESSION_COOKIE}=${session}`);
    expect(res.statusCode).toBe(403);
    expect((await checkWithSession(bed.app, session!)).statusCode).toBe(200);
  });
});
