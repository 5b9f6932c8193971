import { afterEach, describe, expect, it } from 'vitest';
import { FlowCookieSealer, FLOW_COOKIE } from '../../src/oidc/flow-cookie.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { CALLBACK_URL, callback, oidcTestbed, prepareCallback, setsNoSession, startLogin, type OidcTestbed } from '../support/oidc-flow.js';
import { cookieFrom } from '../support/portal.js';

/** The mistakes people make setting up a provider, each with a message that says what to fix. */
describe('oauth2: clear messages for the errors people hit', () => {
  let bed: OidcTestbed | undefined;
  afterEach(async () => {
    await bed?.close();
    bed = undefined;
  });
  const warnings = (b: OidcTestbed) => b.logs().filter((l) => l.level >= 40).map((l) => l.msg);

  it('redirect URI not registered (provider with PAR): Gatehouse’s page says so, the log names the exact URL', async () => {
    bed = await oidcTestbed({ provider: { redirectUris: ['https://elsewhere.example.com/callback'] } });
    const res = await bed.app.inject({ method: 'GET', url: '/api/auth/oidc/start?rd=https%3A%2F%2Fapp.example.com%2F' });
    expect(res.statusCode).toBe(502);
    expect(res.body).toContain('does not accept Gatehouse’s callback URL');
    expect(cookieFrom(res, FLOW_COOKIE)).toBeUndefined();
    expect(warnings(bed).some((m) => m.includes(`refused redirect_uri ${CALLBACK_URL}`) && m.includes('register exactly this URL'))).toBe(true);
  });

  it('invalid_client at the pushed authorization request (wrong client secret)', async () => {
    bed = await oidcTestbed({ oauth2: { clientSecret: 'not-the-secret' } });
    const res = await bed.app.inject({ method: 'GET', url: '/api/auth/oidc/start' });
    expect(res.statusCode).toBe(502);
    expect(res.body).toContain('invalid_client');
    expect(warnings(bed).some((m) => /invalid_client.*check oauth2\.clientId and oauth2\.clientSecret/.test(m))).toBe(true);
  });

  it('invalid_client at the code exchange (provider without PAR)', async () => {
    bed = await oidcTestbed({ oauth2: { clientSecret: 'not-the-secret' }, provider: { par: false } });
    const { started, callbackUrl } = await prepareCallback(bed);
    const res = await callback(bed.app, callbackUrl, started.flowCookie);
    expect(setsNoSession(res)).toBe(true);
    expect(res.statusCode).toBe(502);
    expect(res.body).toContain('invalid_client');
    expect(warnings(bed).some((m) => /code exchange: the provider answered invalid_client/.test(m))).toBe(true);
  });

  it('no X-Forwarded-Proto from the proxy: the log names the header, the page explains the callback mismatch', async () => {
    bed = await oidcTestbed({ env: { portalUrl: undefined } });
    const res = await bed.app.inject({ method: 'GET', url: '/api/auth/oidc/start', headers: { host: 'auth.example.com', 'x-forwarded-host': 'auth.example.com' }, remoteAddress: '127.0.0.1' });
    expect(res.statusCode).toBe(502);
    expect(res.body).toContain('sends no X-Forwarded-Proto header');
    expect(warnings(bed).some((m) => m.includes('would be http://auth.example.com/api/auth/oidc/callback') && m.includes('the proxy sent no X-Forwarded-Proto header'))).toBe(true);
    expect(warnings(bed).some((m) => /plain http because the proxy sent no X-Forwarded-Proto/.test(m))).toBe(true);

    // The same proxy, fixed: the flow goes through.
    const fixed = await startLogin(bed.app, undefined, { host: 'auth.example.com', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'auth.example.com' });
    const callbackUrl = await bed.idp.login(fixed.location, 'alice');
    expect(callbackUrl.href.startsWith(CALLBACK_URL)).toBe(true);
    expect((await callback(bed.app, callbackUrl, fixed.flowCookie)).statusCode).toBe(303);
  });

  it('the provider refuses the login (access_denied): a page saying so, no session', async () => {
    bed = await oidcTestbed();
    const { started, callbackUrl } = await prepareCallback(bed);
    callbackUrl.searchParams.delete('code');
    callbackUrl.searchParams.set('error', 'access_denied');
    callbackUrl.searchParams.set('error_description', 'user is not assigned to this application');
    const res = await callback(bed.app, callbackUrl, started.flowCookie);
    expect(setsNoSession(res)).toBe(true);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('refused the sign-in (access denied)');
    expect(res.body).toContain('user is not assigned to this application');
  });

  it('a stale flow cookie (sealed under an old secret) is cleared and the sign-in restarts by itself, once', async () => {
    bed = await oidcTestbed();
    const { callbackUrl } = await prepareCallback(bed);
    const stale = await new FlowCookieSealer('a-secret-from-before-the-rotation-0123456789', Date.now).seal({
      state: callbackUrl.searchParams.get('state')!,
      nonce: 'n',
      codeVerifier: 'v'.repeat(43),
      redirectUri: CALLBACK_URL,
      rd: 'https://app.example.com/',
      issuerUrl: bed.idp.issuer,
      clientId: bed.idp.clientId,
      purpose: 'login',
    });
    const res = await callback(bed.app, callbackUrl, `${FLOW_COOKIE}=${stale.value}`);
    expect(setsNoSession(res)).toBe(true);
    expect(res.statusCode).toBe(302);
    expect(cookieFrom(res, FLOW_COOKIE)).toBe('');
    expect(warnings(bed).some((m) => /Invalid OIDC session \(flow cookie malformed\); starting the sign-in again/.test(m))).toBe(true);

    // Following the restart like a browser: a fresh flow, a session at the end.
    const restart = await bed.app.inject({ method: 'GET', url: String(res.headers.location) });
    expect(restart.statusCode).toBe(302);
    const again = await bed.idp.login(String(restart.headers.location), 'alice');
    const done = await callback(bed.app, again, `${FLOW_COOKIE}=${cookieFrom(restart, FLOW_COOKIE)}`);
    expect(done.statusCode).toBe(303);
    expect(cookieFrom(done, SESSION_COOKIE)).toBeTruthy();
  });

  it('a flow started for another provider or client (config changed meanwhile) counts as stale', async () => {
    bed = await oidcTestbed();
    const { started, callbackUrl } = await prepareCallback(bed);
    await bed.fx.store.update((c) => ({ ...c, oauth2: { ...c.oauth2!, clientId: 'renamed-client' } }) as typeof c);
    const res = await callback(bed.app, callbackUrl, started.flowCookie);
    expect(setsNoSession(res)).toBe(true);
    expect(warnings(bed).some((m) => /flow cookie other_provider/.test(m))).toBe(true);
  });
});
