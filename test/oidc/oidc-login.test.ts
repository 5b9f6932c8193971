import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_URL, checkWithSession, loginAs, oidcTestbed, startLogin, type OidcTestbed } from '../support/oidc-flow.js';
import { ADMIN_GROUP, EDITOR_GROUP, TEST_USERS } from '../support/oidc-provider.js';
import { FLOW_COOKIE } from '../../src/oidc/flow-cookie.js';
import { check, setCookies } from '../support/portal.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { decodeProtectedHeader } from 'jose';

describe('oauth2 mode: the authorization code flow against a real provider', () => {
  let bed: OidcTestbed;
  beforeAll(async () => {
    bed = await oidcTestbed();
  });
  afterAll(() => bed.close());

  it('start sends the browser to the provider with PKCE (S256), state and nonce, bound to a flow cookie', async () => {
    const started = await startLogin(bed.app);
    const url = new URL(started.location);
    expect(url.origin).toBe(bed.idp.issuer);
    // The provider advertises PAR: the parameters were pushed, the URL carries only the request_uri.
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const line = setCookies(started.res).find((c) => c.startsWith(`${FLOW_COOKIE}=`))!;
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/Secure/);
    expect(line).toMatch(/SameSite=Lax/);
    expect(line).toMatch(/Path=\/api\/auth\/oidc/);
    expect(line).toMatch(/Max-Age=600/);
    // Sealed (a JWE around a signed JWT): neither the state nor the verifier can be read from the cookie.
    const value = started.flowCookie.slice(`${FLOW_COOKIE}=`.length);
    expect(value.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(value)).toEqual({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' });
  });

  it('an admin-group user ends with a session whose check carries role admin and the IdP groups', async () => {
    const { res, session } = await loginAs(bed, 'alice');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(APP_URL);
    expect(session).toBeDefined();
    const checked = await checkWithSession(bed.app, session!);
    expect(checked.statusCode).toBe(200);
    expect(checked.headers['remote-user']).toBe('alice');
    expect(checked.headers['remote-groups']).toBe(`admin,staff,${ADMIN_GROUP}`);
    expect(checked.headers['remote-email']).toBe(TEST_USERS.alice.email);
    expect(checked.headers['remote-name']).toBe(TEST_USERS.alice.name);
  });

  it('the session records sso in amr, the provider MFA as aal2, and identity issuer|sub', async () => {
    const { session } = await loginAs(bed, 'alice');
    const record = bed.fx.sessions.verify(session!, 'oauth2')!;
    expect(record.principal.id).toBe(`oidc:${bed.idp.issuer}|${TEST_USERS.alice.sub}`);
    expect(record.amr).toEqual(['sso', 'pwd', 'otp']);
    expect(record.acr).toBe('aal2');
    expect(record.mfaAt).not.toBeNull();
  });

  it('an editor-group user gets role editor; a single-factor login is aal1', async () => {
    const { session } = await loginAs(bed, 'erin');
    const checked = await checkWithSession(bed.app, session!);
    expect(checked.headers['remote-groups']).toBe(`editor,staff,${EDITOR_GROUP}`);
    const record = bed.fx.sessions.verify(session!, 'oauth2')!;
    expect(record.acr).toBe('aal1');
    expect(record.mfaAt).toBeNull();
  });

  it('a user without a matching group gets the fallback role (viewer by default): safe methods only', async () => {
    const { session } = await loginAs(bed, 'vic');
    const get = await checkWithSession(bed.app, session!);
    expect(get.statusCode).toBe(200);
    expect(get.headers['remote-groups']).toBe('viewer,guests');
    const post = await check(bed.app, 'forward-auth', APP_URL, { method: 'POST', cookie: `${SESSION_COOKIE}=${session}` });
    expect(post.statusCode).toBe(403);
  });

  it('the login page offers the provider and the break-glass local admin form', async () => {
    const page = await bed.app.inject({ method: 'GET', url: `/login?rd=${encodeURIComponent(APP_URL)}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`/api/auth/oidc/start?rd=${encodeURIComponent(APP_URL).replace(/%/g, '%')}`);
    expect(page.body).toContain('Local administrator sign-in');
    expect(page.body).not.toContain('cannot be reached');
  });

  it('an rd outside the protected domains is never the landing page, even through the provider round trip', async () => {
    const { res } = await loginAs(bed, 'erin', 'https://evil.example.net/phish');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('https://auth.example.com/');
  });

  it('the log names the redirect URI to register, once', async () => {
    const lines = bed.logs().filter((l) => l.msg.includes('must be registered exactly at the provider'));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toContain('https://auth.example.com/api/auth/oidc/callback');
  });

  it('health is ok once the provider is discovered', async () => {
    const health = await bed.app.inject({ method: 'GET', url: '/api/health' });
    expect(health.json()).toEqual({ status: 'ok', mode: 'oauth2', oidc: { state: 'ready' } });
  });
});
