import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OAuth2Config } from '../../config/schema.js';
import { OAuth2Strategy } from '../../strategies/oauth2.js';
import type { AppContext } from '../app-context.js';
import { constantTimeEqual } from '../crypto/constant-time.js';
import { clientIp } from '../http/client-ip.js';
import { readCookie, serializeCookie } from '../http/cookies.js';
import { errorBox, sendHtml, seeOther } from '../http/html-reply.js';
import { page } from '../http/pages.js';
import { requireAdmin } from '../http/require-admin.js';
import { currentSession, endSession, startSession } from '../http/session-cookie.js';
import { callbackUrl } from '../oidc/callback-url.js';
import { FLOW_COOKIE, FLOW_COOKIE_PATH, FLOW_LIFETIME_SECONDS, type LoginFlow } from '../oidc/flow-cookie.js';
import { beginLogin, finishLogin } from '../oidc/login-flow.js';
import { OidcLoginError } from '../oidc/oidc-errors.js';
import type { Runtime } from '../runtime.js';
import { landing, OIDC_START_PATH, oauth2LoginPage, providerName } from './login/oauth2-login-page.js';

/**
 * `/api/auth/oidc/{start,callback,logout}`: the browser side of the
 * authorization code flow (the pieces are in src/oidc/). In oauth2 mode they
 * sign people in. In any mode with an oauth2 block, `start?test=1` lets a
 * signed-in admin try the provider before switching to it: the same flow and
 * checks, ending in a report instead of a session.
 *
 * Also keeps the provider connection in step with the config: discovery
 * starts at boot and on a switch to oauth2 mode, and stops on a switch away.
 */
export function oidcRoutes(app: FastifyInstance, ctx: AppContext): void {
  const sync = () => {
    const rt = ctx.runtime();
    if (rt.config.mode === 'oauth2') ctx.oidc.connection(rt.config.oauth2);
    else ctx.oidc.idle();
  };
  app.addHook('onReady', async () => {
    sync();
    ctx.config.on('change', sync);
  });
  app.addHook('onClose', async () => {
    ctx.config.off('change', sync);
    ctx.oidc.close();
  });

  // Said once per URL at info level: with providers that show their own error page, it is the clue.
  const announced = new Set<string>();

  // Host-only, scoped to the OIDC routes; Lax so the provider's top-level redirect back carries it.
  const flowCookie = (value: string, secure: boolean, maxAgeSeconds: number) =>
    serializeCookie(FLOW_COOKIE, value, { secure, path: FLOW_COOKIE_PATH, sameSite: 'Lax', maxAgeSeconds });

  async function failed(request: FastifyRequest, reply: FastifyReply, error: OidcLoginError, rd: unknown, purpose: LoginFlow['purpose'] = 'login'): Promise<FastifyReply> {
    const quiet = error.reason === 'no_matching_group' || error.reason === 'access_denied';
    request.log[quiet ? 'info' : 'warn']({ reason: error.reason }, `OIDC ${purpose === 'test' ? 'test sign-in' : 'login'} failed: ${error.detail}`);
    await ctx.audit.record({ event: 'login.failure', actor: 'anonymous', ip: clientIp(request, ctx.runtime().trustedProxies), outcome: 'failure', details: { method: 'oidc', reason: error.reason, test: purpose === 'test' } });
    if (purpose === 'test' || ctx.runtime().config.mode !== 'oauth2') return testResult(reply, error.status, `The test sign-in failed: ${error.pageMessage}`, 'See the Gatehouse log for details.');
    return oauth2LoginPage(ctx, request, reply, error.status, rd, error.pageMessage);
  }

  function testResult(reply: FastifyReply, status: number, error: string | undefined, message: string): FastifyReply {
    return sendHtml(reply, status, page('Test sign-in', 'oidc-test-result', { error: errorBox(error), message }, { openMode: ctx.runtime().config.mode === 'open' }));
  }

  app.get<{ Querystring: { rd?: string; attempt?: string; test?: string } }>(OIDC_START_PATH, async (request, reply) => {
    const rt = ctx.runtime();
    const settings = rt.config.oauth2;
    const purpose = request.query.test === '1' ? 'test' : 'login';
    if (!settings || (purpose === 'login' && rt.config.mode !== 'oauth2')) return seeOther(reply, '/login');
    if (purpose === 'test' && !(await requireAdmin(ctx, request, reply, rt, false))) return reply;
    const rd = landing(rt, request.query.rd);
    const provider = await ctx.oidc.connection(settings).ensure();
    if (!provider) return failed(request, reply, new OidcLoginError('provider_unreachable', `discovery of ${settings.issuerUrl} has not succeeded yet`), rd, purpose);
    const callback = callbackUrl(request, rt, ctx.env);
    if (callback.warning) request.log.warn({ missingHeaders: callback.missingHeaders }, callback.warning);
    let begun: Awaited<ReturnType<typeof beginLogin>>;
    try {
      begun = await beginLogin(ctx.oidc, { settings, provider, redirectUri: callback.url, rd, attempt: request.query.attempt === '2' ? 2 : 1, purpose });
    } catch (error) {
      if (error instanceof OidcLoginError) return failed(request, reply, error, rd, purpose);
      throw error;
    }
    if (!announced.has(callback.url) && announced.size < 100) {
      announced.add(callback.url);
      request.log.info({ redirectUri: callback.url }, `OIDC sign-ins send redirect_uri ${callback.url}; it must be registered exactly at the provider`);
    }
    reply.header('set-cookie', flowCookie(begun.cookieValue, callback.url.startsWith('https:'), FLOW_LIFETIME_SECONDS));
    return reply.code(302).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').header('location', begun.authorizationUrl.href).send();
  });

  app.get('/api/auth/oidc/callback', async (request, reply) => {
    const rt = ctx.runtime();
    const settings = rt.config.oauth2;
    if (!settings) return seeOther(reply, '/login');
    const query = new URLSearchParams(request.raw.url?.split('?')[1] ?? '');
    // Single use: whatever happens next, this browser's flow cookie is spent.
    reply.header('set-cookie', flowCookie('', rt.cookie.secure, 0));

    const cookie = readCookie(request.headers.cookie, FLOW_COOKIE);
    const opened = cookie.kind === 'one' ? await ctx.oidc.sealer.open(cookie.value, settings) : ({ ok: false, reason: cookie.kind === 'ambiguous' ? 'ambiguous' : 'missing' } as const);
    const state = query.get('state');
    if (!opened.ok || state === null || !constantTimeEqual(state, opened.flow.state)) {
      return invalidSession(request, reply, rt, opened.ok ? opened.flow : null, !opened.ok ? `flow cookie ${opened.reason}` : state === null ? 'no state in the response' : 'state does not match this browser’s flow', state);
    }
    const flow = opened.flow;
    if (flow.purpose === 'login' && rt.config.mode !== 'oauth2') return seeOther(reply, '/login');
    if (!(await ctx.oidc.usedStates.consume(flow, flow.expiresAt * 1000))) {
      return failed(request, reply, new OidcLoginError('state_replayed', 'this state was already used (a replayed callback)'), flow.rd, flow.purpose);
    }
    const provider = await ctx.oidc.connection(settings).ensure();
    if (!provider) return failed(request, reply, new OidcLoginError('provider_unreachable', `discovery of ${settings.issuerUrl} has not succeeded`), flow.rd, flow.purpose);
    const strategy = rt.strategy instanceof OAuth2Strategy ? rt.strategy : new OAuth2Strategy(settings);
    let finished: Awaited<ReturnType<typeof finishLogin>>;
    try {
      finished = await finishLogin(ctx.oidc, { settings, provider, strategy, flow, query });
    } catch (error) {
      if (error instanceof OidcLoginError) return failed(request, reply, error, flow.rd, flow.purpose);
      throw error;
    }
    const { principal } = finished;
    const ip = clientIp(request, rt.trustedProxies);
    if (flow.purpose === 'test') {
      ctx.oidcReadiness.markTestLogin(settings.issuerUrl, principal.username);
      await ctx.audit.record({ event: 'oidc.test_login', actor: principal.username, ip, outcome: 'success', details: { subject: principal.id, role: principal.role } });
      return testResult(reply, 200, undefined, `The test sign-in worked: in oauth2 mode you would be ${principal.username} with role ${principal.role} (groups: ${principal.groups.join(', ')}).`);
    }
    await startSession(ctx, request, reply, rt, principal, finished.mfaAt);
    await ctx.audit.record({ event: 'login.success', actor: principal.username, ip, outcome: 'success', details: { method: 'oidc', subject: principal.id, role: principal.role, acr: finished.providerAcr ?? null } });
    request.log.info({ user: principal.username, role: principal.role, groups: principal.groups }, 'OIDC login');
    return seeOther(reply, landing(rt, flow.rd));
  });

  /**
   * "Invalid OIDC session": no flow cookie, a stale one (another secret or
   * provider, expired) or a state that is not this browser's. The cookie is
   * already cleared; the sign-in restarts once by itself (the attempt number
   * rides in the state, which comes back even when the cookie does not).
   */
  async function invalidSession(request: FastifyRequest, reply: FastifyReply, rt: Runtime, flow: LoginFlow | null, reason: string, state: string | null): Promise<FastifyReply> {
    const retried = state?.startsWith('2.') || flow?.state.startsWith('2.');
    const restart = !retried && rt.config.mode === 'oauth2' && flow?.purpose !== 'test';
    request.log.warn({ reason }, `OIDC callback refused: Invalid OIDC session (${reason})${restart ? '; starting the sign-in again' : ''}`);
    await ctx.audit.record({ event: 'login.failure', actor: 'anonymous', ip: clientIp(request, rt.trustedProxies), outcome: 'failure', details: { method: 'oidc', reason: 'invalid_session' } });
    const message = new OidcLoginError('invalid_session', reason).pageMessage;
    if (rt.config.mode !== 'oauth2' || flow?.purpose === 'test') return testResult(reply, 400, message, 'Start the test sign-in again from the settings page.');
    if (!restart) return oauth2LoginPage(ctx, request, reply, 400, flow?.rd, message);
    const rd = flow ? `&rd=${encodeURIComponent(flow.rd)}` : '';
    return reply.code(302).header('cache-control', 'no-store').header('location', `${OIDC_START_PATH}?attempt=2${rd}`).send();
  }

  app.get('/api/auth/oidc/logout', (request, reply) => {
    const rt = ctx.runtime();
    const session = currentSession(ctx, request, rt);
    const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
    const who = session ? `Signed in as ${session.principal.username}.` : 'You are not signed in.';
    return sendHtml(reply, 200, page('Sign out', 'logout-oauth2', { csrf, who }, { openMode: false }));
  });

  app.post<{ Body: { csrf?: unknown } }>('/api/auth/oidc/logout', async (request, reply) => {
    const rt = ctx.runtime();
    if (!ctx.csrf.verify(request, (request.body as { csrf?: unknown } | undefined)?.csrf, rt.portal.origin)) {
      const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
      return sendHtml(reply, 403, page('Sign out', 'logout-oauth2', { who: 'The sign-out form expired. Please try again.', csrf }, { openMode: false }));
    }
    const ended = await endSession(ctx, request, reply, rt);
    if (ended) await ctx.audit.record({ event: 'logout', actor: ended.principal.username, ip: ended.ip, details: { method: 'oidc' } });
    // Only OIDC sessions are signed in at the provider; a break-glass admin is not.
    const settings: OAuth2Config | undefined = rt.config.mode === 'oauth2' ? rt.config.oauth2 : undefined;
    const provider = settings && ended?.principal.id.startsWith('oidc:') ? ctx.oidc.connection(settings).ready() : null;
    if (!settings || !provider?.configuration.serverMetadata().end_session_endpoint) return seeOther(reply, '/login');
    const { buildEndSessionUrl } = await import('openid-client');
    const endSessionUrl = buildEndSessionUrl(provider.configuration, {
      client_id: settings.clientId,
      post_logout_redirect_uri: callbackUrl(request, rt, ctx.env, '/login').url,
    });
    // A page, not a 303: the form-action CSP would block a form post that redirects to another origin.
    return sendHtml(reply, 200, page('Signed out', 'logout-provider', { endSessionUrl: endSessionUrl.href, providerName: providerName(settings.issuerUrl) }, { openMode: false }));
  });
}
