/**
 * /api/admin/oidc: the provider settings (client secret write-only), "Test
 * discovery" against a real OpenID provider (oidc-provider on loopback), and
 * the group → role mapping preview, which must give the role a real login
 * gives. Every route keeps the admin-API contract; the secret never leaves.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../config/schema.js';
import type { AppFixture } from '../support/app-fixture.js';
import { adminRequest, describeAdminRoute } from '../support/admin-api.js';
import { freePort } from '../support/free-port.js';
import { CALLBACK_URL, loginAs, oidcTestbed, type OidcTestbed } from '../support/oidc-flow.js';
import { ADMIN_GROUP, EDITOR_GROUP, startOidcProvider, TEST_USERS, type TestOidcProvider } from '../support/oidc-provider.js';
import { ALICE, PORTAL, readAuditFile, signIn, userPasswordFixture } from '../support/user-password.js';

const SECRET = 'stored-client-secret-do-not-leak-7f3a9c';
const NEW_SECRET = 'replacement-client-secret-also-private-1b2d';
const OAUTH2 = { issuerUrl: 'https://idp.example.com', clientId: 'gatehouse', clientSecret: SECRET, adminGroupValues: ['admins'], editorGroupValues: ['editors'] };
const WITH_PROVIDER: Partial<ConfigInput> = { oauth2: OAUTH2 };

// ------------------------------------------------------------------ the admin-API contract, per route

describeAdminRoute(
  'GET /api/admin/oidc',
  {
    method: 'GET',
    url: () => '/api/admin/oidc',
    success: {
      status: 200,
      check: (res) => {
        expect(res.json()).toMatchObject({
          mode: 'userPassword',
          configured: true,
          settings: {
            issuerUrl: 'https://idp.example.com',
            clientId: 'gatehouse',
            clientSecretSet: true,
            scopes: ['openid', 'profile', 'email'],
            adminGroupClaim: 'groups',
            adminGroupValues: ['admins'],
            editorGroupValues: ['editors'],
            fallbackRole: 'viewer',
            allowLocalAdmins: true,
          },
          callbackUrl: `${PORTAL}/api/auth/oidc/callback`,
          testSignInUrl: '/api/auth/oidc/start?test=1',
          provider: { state: 'inactive' },
          readiness: { discovered: false, testLogin: false, switchProblem: expect.stringContaining('Test discovery') },
        });
        expect(res.json().settings).not.toHaveProperty('clientSecret');
        expect(res.body).not.toContain(SECRET);
      },
    },
  },
  WITH_PROVIDER,
);

describeAdminRoute(
  'PUT /api/admin/oidc',
  {
    method: 'PUT',
    url: () => '/api/admin/oidc',
    body: () => ({ adminGroupValues: ['admins', 'ops'], fallbackRole: 'deny' }),
    stepUp: true,
    success: {
      status: 200,
      audit: { event: 'oidc.update', target: 'https://idp.example.com' },
      check: (res, world) => {
        expect(res.json().settings).toMatchObject({ adminGroupValues: ['admins', 'ops'], fallbackRole: 'deny', clientSecretSet: true });
        expect(res.body).not.toContain(SECRET);
        // An omitted secret is kept; the other fields are untouched.
        expect(world.fx.store.current.oauth2).toMatchObject({ ...OAUTH2, adminGroupValues: ['admins', 'ops'], fallbackRole: 'deny' });
      },
    },
  },
  WITH_PROVIDER,
);

describeAdminRoute(
  'POST /api/admin/oidc/preview',
  {
    method: 'POST',
    url: () => '/api/admin/oidc/preview',
    body: () => ({ claims: { sub: 'u1', groups: ['admins'] } }),
    success: {
      status: 200,
      check: (res) => expect(res.json()).toMatchObject({ role: 'admin', matched: { claim: 'groups', value: 'admins', list: 'adminGroupValues' } }),
    },
  },
  WITH_PROVIDER,
);

describe('POST /api/admin/oidc/discovery (contract)', () => {
  let idp: TestOidcProvider;
  beforeAll(async () => {
    idp = await startOidcProvider({ redirectUris: [CALLBACK_URL] });
  });
  afterAll(() => idp?.close());

  describeAdminRoute(
    'POST /api/admin/oidc/discovery',
    {
      method: 'POST',
      url: () => '/api/admin/oidc/discovery',
      body: () => ({ issuerUrl: idp.issuer, clientId: idp.clientId }),
      success: {
        status: 200,
        audit: { event: 'oidc.discovery' },
        check: (res) => expect(res.json()).toMatchObject({ ok: true, issuer: idp.issuer, saved: false }),
      },
    },
    WITH_PROVIDER,
  );
});

// ------------------------------------------------------------------ settings: secret, validation

describe('OIDC settings: the client secret is write-only', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('never appears in GET, PUT or preview responses, nor in the audit log; omitted keeps it, a new one replaces it, "" and null clear it', async () => {
    fx = await userPasswordFixture([ALICE], WITH_PROVIDER);
    const admin = await signIn(fx.app, ALICE);
    const bodies: string[] = [];
    const send = async (method: 'GET' | 'PUT' | 'POST', url: string, body?: unknown): Promise<LightMyRequestResponse> => {
      const res = await adminRequest(fx, method, url, { session: admin, body });
      bodies.push(res.body);
      return res;
    };

    expect((await send('GET', '/api/admin/oidc')).json().settings.clientSecretSet).toBe(true);
    const kept = await send('PUT', '/api/admin/oidc', { scopes: ['openid', 'profile', 'email', 'groups'] });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.json().settings).toMatchObject({ scopes: ['openid', 'profile', 'email', 'groups'], clientSecretSet: true });
    expect(fx.store.current.oauth2?.clientSecret).toBe(SECRET);

    const replaced = await send('PUT', '/api/admin/oidc', { clientSecret: NEW_SECRET });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(fx.store.current.oauth2?.clientSecret).toBe(NEW_SECRET);
    await send('POST', '/api/admin/oidc/preview', { claims: { sub: 'u1', groups: ['editors'] } });
    // A failing discovery of the saved provider (nobody listens there) echoes no secret either.
    const port = await freePort();
    expect((await send('PUT', '/api/admin/oidc', { issuerUrl: `http://127.0.0.1:${port}` })).statusCode).toBe(200);
    const failed = await send('POST', '/api/admin/oidc/discovery', {});
    expect(failed.json()).toMatchObject({ ok: false, reason: 'unreachable', saved: true });

    for (const clear of ['', null]) {
      expect((await send('PUT', '/api/admin/oidc', { clientSecret: NEW_SECRET })).statusCode).toBe(200);
      const cleared = await send('PUT', '/api/admin/oidc', { clientSecret: clear });
      expect(cleared.statusCode, cleared.body).toBe(200);
      expect(cleared.json().settings.clientSecretSet).toBe(false);
      expect(fx.store.current.oauth2).not.toHaveProperty('clientSecret');
    }

    const audit = await readAuditFile(fx.dataDir);
    const updates = audit.events.filter((e) => e.event === 'oidc.update');
    expect(updates.map((e) => e.details?.clientSecret)).toEqual(['unchanged', 'changed', 'unchanged', 'unchanged', 'cleared', 'set', 'cleared']);
    expect(updates[0]).toMatchObject({ actor: ALICE.username, details: { fields: 'scopes' } });
    for (const text of [...bodies, audit.text]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(NEW_SECRET);
    }
  });

  it('refuses what the config schema refuses, naming the field, and changes nothing', async () => {
    fx = await userPasswordFixture([ALICE], WITH_PROVIDER);
    const admin = await signIn(fx.app, ALICE);
    for (const [body, status, mention] of [
      [{ issuerUrl: 'http://idp.example.com' }, 400, 'oauth2.issuerUrl'],
      [{ issuerUrl: 'https://user:pw@idp.example.com' }, 400, 'oauth2.issuerUrl'],
      [{ issuerUrl: 'not a url' }, 400, 'oauth2.issuerUrl'],
      [{ fallbackRole: 'root' }, 400, 'fallbackRole'],
      [{ clientId: '' }, 400, 'clientId'],
      [{ scopes: ['openid profile'] }, 400, 'scopes.0'],
      [{ adminGroupValues: 'admins' }, 400, 'adminGroupValues'],
      [{ clientSecret: 42 }, 400, 'clientSecret'],
    ] as const) {
      const res = await adminRequest(fx, 'PUT', '/api/admin/oidc', { session: admin, body });
      expect(res.statusCode, `${JSON.stringify(body)}: ${res.body}`).toBe(status);
      expect(res.json().message).toContain(mention);
    }
    expect(fx.store.current.oauth2).toEqual({ ...OAUTH2, scopes: ['openid', 'profile', 'email'], adminGroupClaim: 'groups', fallbackRole: 'viewer', allowLocalAdmins: true });
  });

  it('first setup: issuerUrl and clientId are required; then the schema defaults fill the rest', async () => {
    fx = await userPasswordFixture([ALICE]);
    const admin = await signIn(fx.app, ALICE);
    const empty = await adminRequest(fx, 'GET', '/api/admin/oidc', { session: admin });
    expect(empty.json()).toMatchObject({ configured: false, settings: { issuerUrl: '', clientId: '', clientSecretSet: false, adminGroupClaim: 'groups', fallbackRole: 'viewer' }, provider: { state: 'not_configured' } });
    const missing = await adminRequest(fx, 'PUT', '/api/admin/oidc', { session: admin, body: { issuerUrl: 'https://idp.example.com' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: 'invalid_settings', message: expect.stringContaining('clientId') });
    expect(fx.store.current.oauth2).toBeUndefined();
    const created = await adminRequest(fx, 'PUT', '/api/admin/oidc', { session: admin, body: { issuerUrl: 'https://idp.example.com', clientId: 'gh' } });
    expect(created.statusCode, created.body).toBe(200);
    expect(fx.store.current.oauth2).toEqual({ issuerUrl: 'https://idp.example.com', clientId: 'gh', scopes: ['openid', 'profile', 'email'], adminGroupClaim: 'groups', adminGroupValues: [], editorGroupValues: [], fallbackRole: 'viewer', allowLocalAdmins: true });
    expect(created.json()).toMatchObject({ configured: true, settings: { clientSecretSet: false } });
  });
});

// ------------------------------------------------------------------ discovery against the real provider

describe('Test discovery against a real OpenID provider', () => {
  let idp: TestOidcProvider;
  let noPar: TestOidcProvider;
  let fx: AppFixture;
  let liar: Server;
  beforeAll(async () => {
    idp = await startOidcProvider({ redirectUris: [CALLBACK_URL], postLogoutRedirectUris: [`${PORTAL}/login`] });
    noPar = await startOidcProvider({ redirectUris: [CALLBACK_URL], par: false });
    liar = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: 'https://idp.example.com/realms/main', authorization_endpoint: 'https://idp.example.com/auth' })));
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await idp?.close();
    await noPar?.close();
    liar?.close();
  });
  afterEach(() => fx?.close());

  const discover = async (session: string, body: unknown = {}) => {
    const res = await adminRequest(fx, 'POST', '/api/admin/oidc/discovery', { session, body });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('saved settings: reports issuer, endpoints, PAR and end_session_endpoint, and counts for the switch to oauth2', async () => {
    fx = await userPasswordFixture([ALICE], { oauth2: { issuerUrl: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret } });
    const admin = await signIn(fx.app, ALICE);
    expect(fx.oidcReadiness.problem(idp.issuer)).toMatch(/Test discovery/);
    const result = await discover(admin);
    expect(result).toEqual({
      ok: true,
      issuerUrl: idp.issuer,
      saved: true,
      issuer: idp.issuer,
      endpoints: {
        authorization: `${idp.issuer}/auth`,
        token: `${idp.issuer}/token`,
        userinfo: `${idp.issuer}/me`,
        jwks: `${idp.issuer}/jwks`,
        endSession: `${idp.issuer}/session/end`,
        pushedAuthorizationRequest: `${idp.issuer}/request`,
      },
      par: { supported: true, required: false },
      endSessionEndpoint: `${idp.issuer}/session/end`,
      warnings: [],
      readiness: { discovered: true, testLogin: false, testLoginUser: null, switchProblem: expect.stringMatching(/test login/) },
    });
    expect(JSON.stringify(result)).not.toContain(idp.clientSecret);
    // What the mode switcher asks next is the test sign-in, not discovery.
    expect(fx.oidcReadiness.problem(idp.issuer)).toMatch(/test login/);
    expect((await adminRequest(fx, 'GET', '/api/admin/oidc', { session: admin })).json().readiness).toMatchObject({ discovered: true, testLogin: false });
    const preflight = await adminRequest(fx, 'POST', '/api/admin/mode/preflight', { session: admin, body: { mode: 'oauth2' } });
    expect(preflight.json().problems).toEqual([expect.stringMatching(/test login/)]);

    // Saving another client secret: what was tried with the old one no longer counts.
    const saved = await adminRequest(fx, 'PUT', '/api/admin/oidc', { session: admin, body: { clientSecret: NEW_SECRET } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().readiness).toMatchObject({ discovered: false, switchProblem: expect.stringMatching(/Test discovery/) });
  });

  it('given, unsaved settings are tried without counting for the switch; a provider without PAR says so', async () => {
    fx = await userPasswordFixture([ALICE], { oauth2: { issuerUrl: idp.issuer, clientId: idp.clientId } });
    const admin = await signIn(fx.app, ALICE);
    const result = await discover(admin, { issuerUrl: noPar.issuer, clientId: noPar.clientId });
    expect(result).toMatchObject({ ok: true, saved: false, issuer: noPar.issuer, par: { supported: false, required: false }, endpoints: { pushedAuthorizationRequest: null } });
    expect(fx.oidcReadiness.problem(idp.issuer)).toMatch(/Test discovery/);
    expect(result.readiness.discovered).toBe(false);
  });

  it('failures come back in words, with the reason: unreachable, wrong path (HTTP 404), issuer mismatch; a non-https issuer is refused before any request', async () => {
    fx = await userPasswordFixture([ALICE], WITH_PROVIDER);
    const admin = await signIn(fx.app, ALICE);
    const dead = `http://127.0.0.1:${await freePort()}`;
    expect(await discover(admin, { issuerUrl: dead })).toMatchObject({ ok: false, saved: false, reason: 'unreachable', message: expect.stringMatching(/cannot connect to http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration: ECONNREFUSED/) });
    expect(await discover(admin, { issuerUrl: `${idp.issuer}/realms/other` })).toMatchObject({ ok: false, reason: 'http_error', message: expect.stringMatching(/answered HTTP 404/) });
    expect(await discover(admin, { issuerUrl: `http://127.0.0.1:${(liar.address() as AddressInfo).port}` })).toMatchObject({
      ok: false,
      reason: 'issuer_mismatch',
      message: expect.stringMatching(/calls itself "https:\/\/idp\.example\.com\/realms\/main"/),
    });
    const insecure = await adminRequest(fx, 'POST', '/api/admin/oidc/discovery', { session: admin, body: { issuerUrl: 'http://idp.example.com' } });
    expect(insecure.statusCode).toBe(400);
    expect(insecure.json()).toMatchObject({ error: 'invalid_settings', message: expect.stringContaining('oauth2.issuerUrl') });
    expect((await adminRequest(fx, 'POST', '/api/admin/oidc/discovery', { session: admin, body: { clientSecret: 'x' } })).statusCode).toBe(400);
    const audit = (await readAuditFile(fx.dataDir)).events.filter((e) => e.event === 'oidc.discovery');
    expect(audit.map((e) => [e.outcome, e.details?.reason])).toEqual([['failure', 'unreachable'], ['failure', 'http_error'], ['failure', 'issuer_mismatch']]);
  });

  it('without a saved provider, {} is a clear 400', async () => {
    fx = await userPasswordFixture([ALICE]);
    const admin = await signIn(fx.app, ALICE);
    const res = await adminRequest(fx, 'POST', '/api/admin/oidc/discovery', { session: admin, body: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'not_configured' });
  });
});

// ------------------------------------------------------------------ mapping preview

describe('group mapping preview', () => {
  let fx: AppFixture;
  let admin: string;
  beforeAll(async () => {
    fx = await userPasswordFixture([ALICE], WITH_PROVIDER);
    admin = await signIn(fx.app, ALICE);
  });
  afterAll(() => fx?.close());

  const preview = async (body: unknown) => {
    const res = await adminRequest(fx, 'POST', '/api/admin/oidc/preview', { session: admin, body });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('admin group → admin, naming the claim and value that matched', async () => {
    const result = await preview({ claims: { sub: 'u1', preferred_username: 'ann', groups: ['staff', 'admins', 'editors'] } });
    expect(result).toMatchObject({ role: 'admin', reason: 'group', claim: 'groups', groups: ['staff', 'admins', 'editors'], matched: { claim: 'groups', value: 'admins', list: 'adminGroupValues' }, mappingSource: 'saved settings' });
    expect(result.principal).toMatchObject({ id: 'oidc:https://idp.example.com|u1', username: 'ann', groups: ['admin', 'staff', 'admins', 'editors'] });
    expect(result.message).toBe('role admin: the "groups" claim has "admins", which is in adminGroupValues');
  });

  it('editor group → editor', async () => {
    expect(await preview({ claims: { sub: 'u2', groups: 'editors' } })).toMatchObject({ role: 'editor', matched: { value: 'editors', list: 'editorGroupValues' } });
  });

  it('no matching group → fallbackRole viewer; no group claim at all says so', async () => {
    expect(await preview({ claims: { sub: 'u3', groups: ['guests'] } })).toMatchObject({ role: 'viewer', reason: 'fallbackRole', matched: null, claimFound: true });
    const none = await preview({ claims: { sub: 'u3' } });
    expect(none).toMatchObject({ role: 'viewer', reason: 'fallbackRole', claimFound: false, groups: [] });
    expect(none.message).toContain('the claims have no "groups" claim');
  });

  it('fallbackRole deny → denied (a given mapping overrides the saved one for the preview only)', async () => {
    const denied = await preview({ claims: { sub: 'u4', groups: ['guests'] }, mapping: { fallbackRole: 'deny' } });
    expect(denied).toMatchObject({ role: 'denied', reason: 'no_matching_group', matched: null, groups: ['guests'], mappingSource: 'saved settings with the given overrides' });
    expect(denied.message).toMatch(/fallbackRole is deny/);
    expect(denied).not.toHaveProperty('principal');
    expect(fx.store.current.oauth2?.fallbackRole).toBe('viewer');
    // Admin still beats deny.
    expect(await preview({ claims: { sub: 'u4', groups: ['admins'] }, mapping: { fallbackRole: 'deny' } })).toMatchObject({ role: 'admin' });
  });

  it('a nested claim (Keycloak realm_access.roles), no sub, and bad input', async () => {
    expect(await preview({ claims: { sub: 'k1', realm_access: { roles: ['ops'] } }, mapping: { adminGroupClaim: 'realm_access.roles', adminGroupValues: ['ops'] } })).toMatchObject({
      role: 'admin',
      matched: { claim: 'realm_access.roles', value: 'ops' },
    });
    expect(await preview({ claims: { groups: ['admins'] } })).toMatchObject({ role: 'denied', reason: 'missing_sub' });
    for (const body of [{}, { claims: ['sub'] }, { claims: 'sub=u1' }, { claims: {}, mapping: { fallbackRole: 'root' } }, { claims: {}, mapping: { clientSecret: 'x' } }]) {
      const res = await adminRequest(fx, 'POST', '/api/admin/oidc/preview', { session: admin, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request' });
    }
  });
});

// ------------------------------------------------------------------ oauth2 mode: same answers as real logins, no lock-out

describe('in oauth2 mode', () => {
  let bed: OidcTestbed;
  let admin: string;
  beforeAll(async () => {
    bed = await oidcTestbed();
    admin = (await loginAs(bed, 'alice')).session!;
  });
  afterAll(() => bed?.close());

  const put = (body: unknown) => adminRequest(bed.fx, 'PUT', '/api/admin/oidc', { session: admin, body });

  it('GET shows the live provider connection and the callback URL to register', async () => {
    const res = await adminRequest(bed.fx, 'GET', '/api/admin/oidc', { session: admin });
    expect(res.json()).toMatchObject({ mode: 'oauth2', callbackUrl: CALLBACK_URL, provider: { state: 'ready' }, settings: { clientSecretSet: true } });
    expect(res.body).not.toContain(bed.idp.clientSecret);
  });

  it('the preview gives each test user exactly the role their real login got', async () => {
    const roles: string[] = [];
    for (const user of Object.values(TEST_USERS)) {
      const login = await loginAs(bed, user.username);
      const real = bed.fx.sessions.verify(login.session!, 'oauth2')!.principal;
      const claims = { sub: user.sub, preferred_username: user.username, email: user.email, email_verified: true, name: user.name, groups: [...user.groups] };
      const preview = await adminRequest(bed.fx, 'POST', '/api/admin/oidc/preview', { session: admin, body: { claims } });
      expect(preview.json().role, user.username).toBe(real.role);
      expect(preview.json().principal).toMatchObject({ id: real.id, username: real.username, groups: real.groups });
      roles.push(real.role);
    }
    // One user per case: admin group, editor group, no matching group (fallbackRole viewer).
    expect(roles).toEqual(['admin', 'editor', 'viewer']);
  });

  it('refuses a provider that fails discovery, and a mapping that no longer makes the admin an admin (no break-glass admin exists)', async () => {
    const before = structuredClone(bed.fx.store.current.oauth2);
    const dead = await put({ issuerUrl: `http://127.0.0.1:${await freePort()}` });
    expect(dead.statusCode, dead.body).toBe(409);
    expect(dead.json()).toMatchObject({ error: 'would_lock_out', problems: expect.arrayContaining([expect.stringMatching(/fail discovery.*ECONNREFUSED/)]) });
    const demoted = await put({ adminGroupValues: ['someone-else'] });
    expect(demoted.statusCode, demoted.body).toBe(409);
    expect(demoted.json().problems).toEqual([expect.stringMatching(/lock every admin out/)]);
    const claim = await put({ adminGroupClaim: 'roles' });
    expect(claim.statusCode).toBe(409);
    const invalid = await put({ issuerUrl: 'http://idp.example.com' });
    expect(invalid.statusCode).toBe(400);
    expect(bed.fx.store.current.oauth2).toEqual(before);
    expect(bed.fx.store.current.mode).toBe('oauth2');
  });

  it('accepts changes that keep the admin an admin, and any change once a break-glass admin exists', async () => {
    const more = await put({ adminGroupValues: [ADMIN_GROUP, 'ops'], editorGroupValues: [EDITOR_GROUP, 'writers'] });
    expect(more.statusCode, more.body).toBe(200);
    expect(bed.fx.store.current.oauth2).toMatchObject({ adminGroupValues: [ADMIN_GROUP, 'ops'], editorGroupValues: [EDITOR_GROUP, 'writers'], clientSecret: bed.idp.clientSecret });
    // A new client secret for the same provider: discovery still works, so it is accepted.
    expect((await put({ clientSecret: bed.idp.clientSecret })).statusCode).toBe(200);

    await bed.fx.accounts.users.create({ username: 'root-admin', password: 'correct horse battery staple', role: 'admin' }, { name: 'test' });
    // Handing admin to another group is refused when break-glass is turned off in the same change…
    const off = await put({ adminGroupValues: ['other'], allowLocalAdmins: false });
    expect(off.statusCode, off.body).toBe(409);
    // …and accepted while a break-glass admin remains. It takes admin away from alice's group,
    // so her OIDC session ends with it (see oidc-demoted-group-keeps-role.test.ts).
    const handedOver = await put({ adminGroupValues: ['someone-else'] });
    expect(handedOver.statusCode, handedOver.body).toBe(200);
    await expect.poll(async () => (await put({ editorGroupValues: [EDITOR_GROUP] })).statusCode, { timeout: 3_000 }).toBe(401);
  });
});
