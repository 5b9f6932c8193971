/**
 * Drives Gatehouse's OIDC routes with app.inject() against a real provider:
 * start → the provider's login → callback, keeping the flow cookie like a
 * browser would. See test/support/oidc-provider.ts for the provider.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino, { type Logger } from 'pino';
import { Writable } from 'node:stream';
import type { ConfigInput } from '../../config/schema.js';
import { systemRandom } from '../../src/crypto/random.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import type { EnvSettings } from '../../src/env.js';
import { FLOW_COOKIE } from '../../src/oidc/flow-cookie.js';
import { OidcService, type OidcServiceOptions } from '../../src/oidc/oidc-service.js';
import { createAppFixture, TEST_SECRET, type AppFixture } from './app-fixture.js';
import { ADMIN_GROUP, EDITOR_GROUP, startOidcProvider, type OidcProviderOptions, type TestOidcProvider } from './oidc-provider.js';
import { check, cookieFrom } from './portal.js';

export const PORTAL = 'https://auth.example.com';
export const CALLBACK_URL = `${PORTAL}/api/auth/oidc/callback`;
export const APP_URL = 'https://app.example.com/dashboard';

/** A pino logger whose lines tests can read. */
export function memoryLog(): { log: Logger; lines: () => Array<{ level: number; msg: string; [key: string]: unknown }> } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines: () => lines.map((l) => JSON.parse(l)) };
}

export interface OidcTestbed {
  readonly fx: AppFixture;
  readonly idp: TestOidcProvider;
  readonly app: FastifyInstance;
  readonly oidc: OidcService;
  readonly logs: ReturnType<typeof memoryLog>['lines'];
  close(): Promise<void>;
}

export interface TestbedOptions {
  readonly oauth2?: Partial<NonNullable<ConfigInput['oauth2']>>;
  readonly config?: Partial<ConfigInput>;
  readonly env?: Partial<EnvSettings>;
  readonly provider?: Partial<OidcProviderOptions>;
  readonly service?: Partial<OidcServiceOptions>;
  /** Use this provider instead of starting one (it is not closed by the testbed). */
  readonly idp?: TestOidcProvider;
}

/** A provider plus a Gatehouse app in oauth2 mode pointed at it; admins/editors groups mapped. */
export async function oidcTestbed(options: TestbedOptions = {}): Promise<OidcTestbed> {
  const idp = options.idp ?? (await startOidcProvider({ redirectUris: [CALLBACK_URL], postLogoutRedirectUris: [`${PORTAL}/login`], ...options.provider }));
  const { log, lines } = memoryLog();
  const oidc = new OidcService({ log, now: Date.now, random: systemRandom, sessionSecret: TEST_SECRET, ...options.service });
  const fx = await createAppFixture(
    {
      mode: 'oauth2',
      oauth2: { issuerUrl: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, adminGroupValues: [ADMIN_GROUP], editorGroupValues: [EDITOR_GROUP], ...options.oauth2 },
      ...options.config,
    },
    options.env,
    { oidc, log },
  );
  // The provider stamps tokens with the real time; so do Gatehouse's sessions here.
  fx.clock.now = Date.now();
  await fx.app.ready();
  return {
    fx,
    idp,
    app: fx.app,
    oidc,
    logs: lines,
    async close() {
      await fx.close();
      if (!options.idp) await idp.close();
    },
  };
}

export interface Started {
  readonly res: LightMyRequestResponse;
  /** `gatehouse_oidc=<value>`, to send back on the callback. */
  readonly flowCookie: string;
  readonly location: string;
}

/** GET /api/auth/oidc/start as a browser coming from `rd`. */
export async function startLogin(app: FastifyInstance, rd = APP_URL, headers: Record<string, string> = {}, query = ''): Promise<Started> {
  const res = await app.inject({ method: 'GET', url: `/api/auth/oidc/start?rd=${encodeURIComponent(rd)}${query}`, headers, remoteAddress: '127.0.0.1' });
  const value = cookieFrom(res, FLOW_COOKIE);
  if (res.statusCode !== 302 || !value) throw new Error(`start answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
  return { res, flowCookie: `${FLOW_COOKIE}=${value}`, location: String(res.headers.location) };
}

/** Sends the provider's redirect back to Gatehouse's callback with `cookie`. */
export function callback(app: FastifyInstance, callbackUrl: URL, cookie: string | undefined, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'GET',
    url: `${callbackUrl.pathname}${callbackUrl.search}`,
    headers: { ...(cookie ? { cookie } : {}), ...headers },
    remoteAddress: '127.0.0.1',
  });
}

/** A whole login as `username`; returns the callback response and the session cookie it set. */
export async function loginAs(bed: Pick<OidcTestbed, 'app' | 'idp'>, username: string, rd = APP_URL): Promise<{ res: LightMyRequestResponse; session: string | undefined; started: Started; callbackUrl: URL }> {
  const started = await startLogin(bed.app, rd);
  const callbackUrl = await bed.idp.login(started.location, username);
  const res = await callback(bed.app, callbackUrl, started.flowCookie);
  return { res, session: cookieFrom(res, SESSION_COOKIE) || undefined, started, callbackUrl };
}

/** The forward-auth answer for `url` with this session. */
export function checkWithSession(app: FastifyInstance, session: string, url = APP_URL): Promise<LightMyRequestResponse> {
  return check(app, 'forward-auth', url, { cookie: `${SESSION_COOKIE}=${session}` });
}

/** True when the response signed nobody in (no non-empty session cookie). */
export function setsNoSession(res: LightMyRequestResponse): boolean {
  return !cookieFrom(res, SESSION_COOKIE);
}

/** Starts a flow and plays the provider login, without calling back yet. */
export async function prepareCallback(bed: Pick<OidcTestbed, 'app' | 'idp'>, username = 'alice', rd = APP_URL): Promise<{ started: Started; callbackUrl: URL }> {
  const started = await startLogin(bed.app, rd);
  return { started, callbackUrl: await bed.idp.login(started.location, username) };
}

/** Claims of a valid id_token for this provider and client, `now` in epoch seconds. */
export function validClaims(idp: TestOidcProvider, nonce: string, now = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  return { iss: idp.issuer, aud: idp.clientId, sub: 'u-1001', iat: now, exp: now + 300, nonce, preferred_username: 'alice', groups: [ADMIN_GROUP] };
}

/**
 * Runs a whole login whose id_token the provider rewrites with `tamper`
 * (re-signed with its own key unless told otherwise). Returns the callback answer.
 */
export async function loginWithTamperedIdToken(bed: OidcTestbed, tamper: Parameters<TestOidcProvider['tamperIdTokens']>[0], username = 'alice'): Promise<LightMyRequestResponse> {
  const { started, callbackUrl } = await prepareCallback(bed, username);
  bed.idp.tamperIdTokens(tamper);
  try {
    return await callback(bed.app, callbackUrl, started.flowCookie);
  } finally {
    bed.idp.tamperIdTokens(null);
  }
}

/** The log lines of failed OIDC logins. */
export function loginFailures(bed: OidcTestbed): string[] {
  return bed.logs().filter((l) => l.msg.startsWith('OIDC login failed')).map((l) => l.msg);
}
