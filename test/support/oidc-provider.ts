/**
 * A real OpenID provider (`oidc-provider` from npm) on 127.0.0.1, for the
 * oauth2-mode tests and the browser e2e. One confidential client, PKCE
 * required, users carrying group claims, and a plain login form at
 * /interaction/:uid (fields `username` and `password`) that a browser can fill
 * in or `login()` can post. Test hooks: request counts per path, and rewriting
 * the id_token of token responses (re-signed with the provider's own key or an
 * unknown one) to exercise Gatehouse's id_token checks on the real flow.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

export interface TestUser {
  readonly sub: string;
  readonly username: string;
  readonly password: string;
  readonly name: string;
  readonly email: string;
  readonly groups: readonly string[];
  /** amr the provider reports for this user's logins (default ['pwd']). */
  readonly amr?: readonly string[];
}

/** One user per mapping case: admin group, editor group, no matching group. */
export const TEST_USERS = {
  alice: { sub: 'u-1001', username: 'alice', password: 'alice-password', name: 'Alice Admin', email: 'alice@example.com', groups: ['staff', 'gatehouse-admins'], amr: ['pwd', 'otp'] },
  erin: { sub: 'u-1002', username: 'erin', password: 'erin-password', name: 'Erin Editor', email: 'erin@example.com', groups: ['staff', 'gatehouse-editors'] },
  vic: { sub: 'u-1003', username: 'vic', password: 'vic-password', name: 'Vic Visitor', email: 'vic@example.com', groups: ['guests'] },
} as const satisfies Record<string, TestUser>;

export const TEST_CLIENT_ID = 'gatehouse';
export const TEST_CLIENT_SECRET = 'gatehouse-test-client-secret-0123456789';
export const ADMIN_GROUP = 'gatehouse-admins';
export const EDITOR_GROUP = 'gatehouse-editors';

export interface OidcProviderOptions {
  /** Redirect URIs registered for the client (Gatehouse's /api/auth/oidc/callback). */
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  /** Listen on this port (to start a provider where a test expected one); default 0. */
  readonly port?: number;
  /** Advertise pushed authorization requests (default true). */
  readonly par?: boolean;
  /** Put profile/email/groups claims in the id_token (default true, like Keycloak and Authentik) or only in userinfo. */
  readonly claimsInIdToken?: boolean;
  readonly users?: readonly TestUser[];
}

/** Rewrites the claims (and optionally the key) of an id_token on its way out of the token endpoint. */
export type IdTokenTamper = (claims: JWTPayload) => { claims: JWTPayload; key?: 'provider' | 'unknown' } | Promise<{ claims: JWTPayload; key?: 'provider' | 'unknown' }>;

export interface TestOidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly users: readonly TestUser[];
  /** How many requests reached `path` (e.g. '/jwks', '/token'). */
  requestCount(path: string): number;
  /** Rewrite id_tokens of following token responses; null restores the real ones. */
  tamperIdTokens(tamper: IdTokenTamper | null): void;
  /** Signs claims with the provider's key (kid served by its JWKS), or a fresh key with an unknown kid. */
  signIdToken(claims: JWTPayload, key?: 'provider' | 'unknown'): Promise<string>;
  /**
   * Plays the browser at the provider: follows `authorizationUrl` through the
   * login form as `username` until the provider redirects to a registered
   * redirect URI, and returns that URL (with code, state and iss).
   */
  login(authorizationUrl: string, username: string, password?: string): Promise<URL>;
  close(): Promise<void>;
}

const KID = 'gatehouse-test-key-1';

export async function startOidcProvider(options: OidcProviderOptions): Promise<TestOidcProvider> {
  const users = options.users ?? Object.values(TEST_USERS);
  const { privateKey, publicKey: _publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const counts = new Map<string, number>();
  let tamper: IdTokenTamper | null = null;
  let unknownKey: Promise<CryptoKey> | undefined;

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server: Server = createServer((req, res) => (handler ? handler(req, res) : res.writeHead(503).end()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const claimsInIdToken = options.claimsInIdToken ?? true;

  const configuration: Configuration = {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        client_secret: TEST_CLIENT_SECRET,
        redirect_uris: [...options.redirectUris],
        post_logout_redirect_uris: [...(options.postLogoutRedirectUris ?? [])],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['gatehouse-test-cookie-key-0123456789'] },
    claims: { acr: null, amr: null, auth_time: null, sid: null, iss: null, openid: ['sub', 'acr', 'amr', 'auth_time'], profile: ['name', 'preferred_username', 'groups'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: !claimsInIdToken,
    pkce: { required: () => true },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600, PushedAuthorizationRequest: 60 },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: options.par ?? true },
      rpInitiatedLogout: { enabled: true },
    },
    async findAccount(_ctx, sub) {
      const user = users.find((u) => u.sub === sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        claims: async () => ({ sub: user.sub, preferred_username: user.username, name: user.name, email: user.email, email_verified: true, groups: [...user.groups] }),
      };
    },
    // First-party client: no consent screen.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid profile email');
      grant.addOIDCClaims(['preferred_username', 'name', 'email', 'email_verified', 'groups']);
      await grant.save();
      return grant;
    },
    renderError(ctx, out) {
      ctx.type = 'text/plain';
      ctx.body = `provider error: ${out.error}: ${out.error_description ?? ''}`;
    },
  };
  const provider = new Provider(issuer, configuration);

  provider.use(async (ctx, next) => {
    counts.set(ctx.path, (counts.get(ctx.path) ?? 0) + 1);
    if (ctx.path.startsWith('/interaction/')) return interaction(provider, ctx as unknown as KoaContextWithOIDC, users);
    await next();
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (ctx.path === '/token' && tamper && body && typeof body.id_token === 'string') {
      const out = await tamper({ ...decodeJwt(body.id_token) });
      ctx.body = { ...body, id_token: await sign(out.claims, out.key ?? 'provider') };
    }
  });

  async function sign(claims: JWTPayload, key: 'provider' | 'unknown'): Promise<string> {
    if (key === 'provider') return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' }).sign(privateKey);
    // One key nobody published, under a new kid every time.
    unknownKey ??= generateKeyPair('RS256').then((pair) => pair.privateKey);
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: `unknown-${crypto.randomUUID()}`, typ: 'JWT' }).sign(await unknownKey);
  }

  handler = provider.callback();
  return {
    issuer,
    clientId: TEST_CLIENT_ID,
    clientSecret: TEST_CLIENT_SECRET,
    users,
    requestCount: (path) => counts.get(path) ?? 0,
    tamperIdTokens(next) {
      tamper = next;
    },
    signIdToken: (claims, key = 'provider') => sign(claims, key),
    login: (authorizationUrl, username, password) => browserLogin(issuer, authorizationUrl, username, password ?? users.find((u) => u.username === username)?.password ?? '', options.redirectUris),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The login form: GET shows it, POST checks the password and finishes the interaction. */
async function interaction(provider: Provider, ctx: KoaContextWithOIDC, users: readonly TestUser[]): Promise<void> {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    ctx.type = 'text/html';
    ctx.body = `<!doctype html><title>Test IdP</title><form method="post" action="/interaction/${details.uid}">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form>`;
    return;
  }
  const form = new URLSearchParams(await readBody(ctx.req));
  const user = users.find((u) => u.username === form.get('username') && u.password === form.get('password'));
  if (!user) {
    ctx.status = 401;
    ctx.type = 'text/html';
    ctx.body = '<!doctype html><p>Wrong username or password.</p>';
    return;
  }
  ctx.respond = false;
  await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: user.sub, amr: [...(user.amr ?? ['pwd'])], acr: (user.amr ?? []).length > 1 ? 'mfa' : '1' } }, { mergeWithLastSubmission: false });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/** A minimal cookie-keeping client for the provider's redirects. */
async function browserLogin(issuer: string, authorizationUrl: string, username: string, password: string, redirectUris: readonly string[]): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  };
  let url = new URL(authorizationUrl);
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (redirectUris.some((r) => url.href.startsWith(`${r}?`) || url.href === r)) return url;
    if (url.origin !== issuer) throw new Error(`login left the provider for ${url.href}`);
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    keep(res);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url);
      method = 'GET';
      body = undefined;
      await res.arrayBuffer();
      continue;
    }
    const text = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(text)?.[1];
    if (res.status !== 200 || !action) throw new Error(`provider answered ${res.status} at ${url.pathname}: ${text.slice(0, 300)}`);
    url = new URL(action, url);
    method = 'POST';
    body = new URLSearchParams({ username, password }).toString();
  }
  throw new Error('too many redirects at the provider');
}
