/**
 * The contract every /api/admin/* route keeps, as one table-driven suite per
 * route: no credentials → 401; viewer and editor → 403; for writes, a cookie
 * session without X-CSRF-Token → 403, a foreign Origin → 403, a non-JSON body
 * → 415, an unknown field → 400; for sensitive writes, an admin whose last
 * second factor is older than the step-up window → 403 step_up_required; and
 * the success path, audited with the admin as actor.
 *
 * Each route gets one fixture (refused requests change nothing, so they can
 * share it); the step-up and success checks run last, in that order.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../config/schema.js';
import { parseDuration } from '../../config/duration.js';
import type { AppFixture } from './app-fixture.js';
import { enrolTotp, jsonLoginWithTotp, userNamed } from './mfa.js';
import { ALICE, BOB, cookieOf, PORTAL, readAuditFile, signIn, userPasswordFixture, VICTOR } from './user-password.js';

export const EVIL_ORIGIN = 'https://evil.example.net';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AdminRequestOptions {
  /** The browser's session cookie value (`id.secret`). */
  session?: string;
  /** The JSON body; `{}` for a write when omitted. A string is sent as is. */
  body?: unknown;
  /** Send the CSRF cookie and X-CSRF-Token (default: for writes with a session). */
  csrf?: boolean;
  /** The Origin header; null for none. Default: the portal's. */
  origin?: string | null;
  /** Content-Type of a write (default application/json). */
  contentType?: string;
  /** The client address the trusted proxy (127.0.0.1) reports in X-Forwarded-For. */
  forwardedFor?: string;
  /** The TCP peer (default 127.0.0.1, a trusted proxy). */
  remoteAddress?: string;
  authorization?: string;
}

/** A request to the admin API the way the settings page makes it, with one knob per thing a test breaks. */
export async function adminRequest(fx: AppFixture, method: Method, url: string, options: AdminRequestOptions = {}): Promise<LightMyRequestResponse> {
  const write = method !== 'GET';
  const headers: Record<string, string> = {};
  const cookies: string[] = options.session ? [cookieOf(options.session)] : [];
  if (write && (options.csrf ?? Boolean(options.session))) {
    const issued = await fx.app.inject({ method: 'GET', url: '/api/auth/csrf', remoteAddress: '127.0.0.1' });
    const nonce = ([] as string[]).concat(issued.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('gatehouse_csrf='));
    if (nonce) cookies.push(nonce);
    headers['x-csrf-token'] = (issued.json() as { token: string }).token;
  }
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  if (options.origin !== null) headers.origin = options.origin ?? PORTAL;
  if (options.forwardedFor) headers['x-forwarded-for'] = options.forwardedFor;
  if (options.authorization) headers.authorization = options.authorization;
  let payload: string | undefined;
  if (write && method !== 'DELETE') {
    headers['content-type'] = options.contentType ?? 'application/json';
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body ?? {});
  }
  return fx.app.inject({ method, url, remoteAddress: options.remoteAddress ?? '127.0.0.1', headers, ...(payload === undefined ? {} : { payload }) });
}

/** A userPassword instance with alice (admin, TOTP enrolled), bob (editor) and victor (viewer) signed in. */
export interface AdminWorld {
  readonly fx: AppFixture;
  /** alice's full (aal2) session: her second factor was used just now. */
  admin: string;
  readonly adminTotpSecret: string;
  editor: string;
  viewer: string;
  /** A fresh aal2 session for alice (a new TOTP step, so no replay). */
  freshAdmin(): Promise<string>;
}

export async function adminWorld(config: Partial<ConfigInput> = {}): Promise<AdminWorld> {
  const fx = await userPasswordFixture([ALICE, BOB, VICTOR], config);
  const { secret } = await enrolTotp(fx, userNamed(fx, ALICE.username));
  const freshAdmin = async () => {
    fx.clock.now += 30_000;
    return jsonLoginWithTotp(fx, ALICE, secret);
  };
  return {
    fx,
    admin: await freshAdmin(),
    adminTotpSecret: secret,
    editor: await signIn(fx.app, BOB),
    viewer: await signIn(fx.app, VICTOR),
    freshAdmin,
  };
}

export interface AdminRouteCase {
  readonly method: Method;
  /** The path; may depend on what `setup` created. */
  readonly url: (world: AdminWorld) => string;
  /** A valid body for the success path (writes). */
  readonly body?: (world: AdminWorld) => unknown;
  /** Sensitive: needs a second factor within the step-up window. */
  readonly stepUp?: boolean;
  /** Whether the route validates a JSON body (default: every write but DELETE). */
  readonly strictBody?: boolean;
  /** Prepares what the success path acts on (a user, a ban, a pending switch…). */
  readonly setup?: (world: AdminWorld) => Promise<void>;
  readonly success: {
    readonly status: number;
    /** The audit event the success writes, with alice as actor. */
    readonly audit?: { readonly event: string; readonly target?: string };
    /** More checks on the success response. */
    readonly check?: (res: LightMyRequestResponse, world: AdminWorld) => void | Promise<void>;
  };
}

/** Defines the contract suite for one admin route. Call inside a file's describe or at top level. */
export function describeAdminRoute(name: string, route: AdminRouteCase, config: Partial<ConfigInput> = {}): void {
  const write = route.method !== 'GET';
  const strictBody = route.strictBody ?? (write && route.method !== 'DELETE');

  describe(name, () => {
    let world: AdminWorld;
    beforeAll(async () => {
      world = await adminWorld(config);
      await route.setup?.(world);
    });
    afterAll(() => world?.fx.close());

    const send = (options: AdminRequestOptions) => adminRequest(world.fx, route.method, route.url(world), { body: route.body?.(world), ...options });

    it('without credentials: 401', async () => {
      const res = await send({});
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json()).toMatchObject({ error: 'authentication_required' });
    });

    it('as a viewer or an editor: 403 admin_required', async () => {
      for (const session of [world.viewer, world.editor]) {
        const res = await send({ session });
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json()).toMatchObject({ error: 'admin_required' });
      }
    });

    if (write) {
      it('an admin cookie session without X-CSRF-Token: 403', async () => {
        const res = await send({ session: world.admin, csrf: false });
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json()).toMatchObject({ error: 'csrf_token_required' });
      });

      it('from a foreign Origin, even with the CSRF token: 403', async () => {
        const res = await send({ session: world.admin, origin: EVIL_ORIGIN });
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json()).toMatchObject({ error: 'cross_origin' });
      });
    }

    if (write && route.method !== 'DELETE') {
      it('a body that is not JSON (what a cross-site form can send): 415', async () => {
        for (const [contentType, body] of [['text/plain', JSON.stringify(route.body?.(world) ?? {})], ['application/x-www-form-urlencoded', 'a=1']] as const) {
          const res = await send({ session: world.admin, contentType, body });
          expect(res.statusCode, `${contentType}: ${res.body}`).toBe(415);
        }
      });
    }

    if (strictBody) {
      it('an unknown field: 400 naming it', async () => {
        const body = { ...((route.body?.(world) as object | undefined) ?? {}), isAdmin: true };
        const res = await send({ session: world.admin, body });
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json()).toMatchObject({ error: 'invalid_request' });
        expect(res.json().message).toMatch(/isAdmin/);
      });
    }

    if (route.stepUp) {
      it('an admin whose last second factor is older than the step-up window: 403 step_up_required, pointing to /login/2fa', async () => {
        world.fx.clock.now += parseDuration(world.fx.store.current.security.stepUpWindow) + 1_000;
        const res = await send({ session: world.admin });
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json()).toMatchObject({ error: 'step_up_required' });
        expect(res.headers.location).toBe(`${PORTAL}/login/2fa`);
      });
    }

    it(`success: ${route.success.status}${route.success.audit ? `, audited as ${route.success.audit.event} by the admin` : ''}`, async () => {
      if (route.stepUp) world.admin = await world.freshAdmin();
      const before = (await readAuditFile(world.fx.dataDir)).events.length;
      const res = await send({ session: world.admin });
      expect(res.statusCode, res.body).toBe(route.success.status);
      expect(res.headers['cache-control']).toBe('no-store');
      if (route.success.audit) {
        const events = (await readAuditFile(world.fx.dataDir)).events.slice(before);
        expect(events).toContainEqual(expect.objectContaining({ event: route.success.audit.event, actor: ALICE.username, ...(route.success.audit.target ? { target: route.success.audit.target } : {}) }));
      }
      await route.success.check?.(res, world);
    });
  });
}
