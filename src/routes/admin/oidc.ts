import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Configuration } from 'openid-client';
import type { z } from 'zod';
import { InvalidDocumentError } from '../../../config/document-store.js';
import { CONFIG_VERSION, ConfigSchema, formatIssues, type Config, type OAuth2Config } from '../../../config/schema.js';
import { claimAt, groupsFrom, OAuth2Strategy, type GroupMapping, type OidcClaims } from '../../../strategies/oauth2.js';
import type { AppContext } from '../../app-context.js';
import { OidcDiscoveryBody, OidcPreviewBody, OidcSettingsBody } from '../../admin/schemas.js';
import { providerChanged, sameSecret } from '../../admin/oidc-readiness.js';
import { clientIp } from '../../http/client-ip.js';
import { parseBody } from '../../http/parse-body.js';
import { requireAdmin } from '../../http/require-admin.js';
import { requireStepUp } from '../../http/require-step-up.js';
import { sendApiError, type Caller } from '../../http/request-principal.js';
import { callbackUrl } from '../../oidc/callback-url.js';
import { DiscoveryError, discoverProvider, type ProviderSettings } from '../../oidc/discover.js';
import type { Runtime } from '../../runtime.js';
import { OIDC_START_PATH } from '../login/oauth2-login-page.js';

/** Fields of the oauth2 block other than the secret, in the order the page shows them. */
const PLAIN_FIELDS = ['issuerUrl', 'clientId', 'scopes', 'adminGroupClaim', 'adminGroupValues', 'editorGroupValues', 'fallbackRole', 'allowLocalAdmins'] as const;

let defaults: OAuth2Config | undefined;

/** The schema's defaults for an oauth2 block (scopes, group claim, fallbackRole…), computed once. */
function oauth2Defaults(): OAuth2Config {
  defaults ??= ConfigSchema.parse({ version: CONFIG_VERSION, mode: 'oauth2', oauth2: { issuerUrl: 'https://idp.invalid', clientId: 'x' } }).oauth2!;
  return defaults;
}

/** The settings as the API shows them: every field picked by name, the secret only as "is one set". */
function publicSettings(saved: OAuth2Config | undefined) {
  const s = saved ?? { ...oauth2Defaults(), issuerUrl: '', clientId: '', clientSecret: undefined };
  return {
    issuerUrl: s.issuerUrl,
    clientId: s.clientId,
    clientSecretSet: typeof s.clientSecret === 'string' && s.clientSecret.length > 0,
    scopes: s.scopes,
    adminGroupClaim: s.adminGroupClaim,
    adminGroupValues: s.adminGroupValues,
    editorGroupValues: s.editorGroupValues,
    fallbackRole: s.fallbackRole,
    allowLocalAdmins: s.allowLocalAdmins,
  };
}

/** Never let the client secret out, whatever a message was built from. */
function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('[client secret]') : text;
}


function changedFields(before: OAuth2Config | undefined, after: OAuth2Config): string[] {
  const changed: string[] = PLAIN_FIELDS.filter((f) => JSON.stringify(before?.[f]) !== JSON.stringify(after[f]));
  if (!sameSecret(before?.clientSecret, after.clientSecret)) changed.push('clientSecret');
  return changed;
}

function secretChange(before: string | undefined, after: string | undefined): 'none' | 'set' | 'cleared' | 'changed' | 'unchanged' {
  if (before === undefined) return after === undefined ? 'none' : 'set';
  if (after === undefined) return 'cleared';
  return sameSecret(before, after) ? 'unchanged' : 'changed';
}

/** The saved block with the body's fields over it; the secret is kept, replaced or (for '' or null) removed. */
function mergeSettings(saved: OAuth2Config | undefined, body: z.infer<typeof OidcSettingsBody>): Record<string, unknown> {
  const next: Record<string, unknown> = { ...(saved ?? oauth2Defaults()) };
  if (!saved) {
    delete next.issuerUrl;
    delete next.clientId;
  }
  for (const field of PLAIN_FIELDS) if (body[field] !== undefined) next[field] = body[field];
  if (body.clientSecret === null || body.clientSecret === '') delete next.clientSecret;
  else if (body.clientSecret !== undefined) next.clientSecret = body.clientSecret;
  return next;
}

/** The oauth2 block checked by the config schema in the config it would be part of. */
function validated(config: Config, oauth2: Record<string, unknown>): { ok: true; oauth2: OAuth2Config } | { ok: false; problems: string[] } {
  const result = ConfigSchema.safeParse({ ...config, oauth2 });
  if (!result.success) return { ok: false, problems: formatIssues(result.error) };
  return { ok: true, oauth2: result.data.oauth2! };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Where the provider connection stands; in other modes Gatehouse does not keep one. */
function providerStatus(ctx: AppContext, rt: Runtime) {
  const saved = rt.config.oauth2;
  if (!saved) return { state: 'not_configured' as const, message: 'No OpenID provider is set up yet.' };
  if (rt.config.mode !== 'oauth2') {
    return { state: 'inactive' as const, message: `Gatehouse is in ${rt.config.mode} mode: it contacts the provider only for "Test discovery" and the test sign-in.` };
  }
  const status = ctx.oidc.connection(saved).status();
  switch (status.state) {
    case 'ready':
      return { state: 'ready' as const, since: iso(status.since), message: 'Discovery succeeded; sign-ins go to the provider.' };
    case 'discovering':
      return { state: 'discovering' as const, attempts: status.attempts, message: 'Discovery is in progress.' };
    case 'unreachable':
      return {
        state: 'unreachable' as const,
        attempts: status.attempts,
        reason: status.reason,
        message: redact(status.message, saved.clientSecret),
        nextAttemptAt: iso(status.nextAttemptAt),
      };
  }
}

/** What the mode switch to oauth2 still needs, from what Gatehouse has seen of the saved provider. */
function readiness(ctx: AppContext, saved: OAuth2Config | undefined) {
  const seen = ctx.oidcReadiness.status(saved?.issuerUrl);
  return { discovered: seen.discovered, testLogin: seen.testLogin !== null, testLoginUser: seen.testLogin?.username ?? null, switchProblem: ctx.oidcReadiness.problem(saved?.issuerUrl) };
}

function view(ctx: AppContext, request: FastifyRequest, rt: Runtime) {
  const saved = rt.config.oauth2;
  const callback = callbackUrl(request, rt, ctx.env);
  return {
    mode: rt.config.mode,
    configured: saved !== undefined,
    settings: publicSettings(saved),
    callbackUrl: callback.url,
    callbackWarning: callback.warning ?? null,
    testSignInUrl: `${OIDC_START_PATH}?test=1`,
    provider: providerStatus(ctx, rt),
    readiness: readiness(ctx, saved),
  };
}

/**
 * In oauth2 mode a save must leave a way in for an admin. A new provider
 * (issuer, client, secret) has to answer discovery now; a change on the path
 * to the admin role (provider, group claim, admin values, fallbackRole,
 * scopes, break-glass) needs a break-glass local admin, or the caller's own
 * provider groups still mapping to admin under the new settings.
 */
async function lockoutProblems(ctx: AppContext, caller: Caller, before: OAuth2Config, after: OAuth2Config): Promise<string[]> {
  const problems: string[] = [];
  const newProvider = providerChanged(before, after);
  if (newProvider) {
    try {
      await discoverProvider({ issuerUrl: after.issuerUrl, clientId: after.clientId, clientSecret: after.clientSecret });
    } catch (error) {
      problems.push(`the new provider settings fail discovery, so nobody could sign in through the provider after saving: ${redact((error as Error).message, after.clientSecret)}`);
    }
  }
  const adminPathChanged = newProvider || changedFields(before, after).some((f) => f !== 'editorGroupValues');
  if (adminPathChanged) {
    const breakGlass = after.allowLocalAdmins && ctx.users.hasUsableAdmin();
    // An OIDC principal's groups are [role, ...provider groups]; the provider's own are what the mapping sees.
    const callerKeepsAdmin =
      caller.principal.id.startsWith('oidc:') &&
      !newProvider &&
      before.adminGroupClaim === after.adminGroupClaim &&
      JSON.stringify(before.scopes) === JSON.stringify(after.scopes) &&
      new OAuth2Strategy(after).roleFor(caller.principal.groups.slice(1)) === 'admin';
    if (!breakGlass && !callerKeepsAdmin) {
      problems.push(
        'this change could lock every admin out: Gatehouse is in oauth2 mode, your own provider groups would not be known to map to admin under the new settings, and no local break-glass admin could sign in. Keep allowLocalAdmins on with an enabled local admin who has a password while you change the provider or the admin mapping',
      );
    }
  }
  return problems;
}

class ChangedMeanwhile extends Error {}

/**
 * Settings → OIDC: the oauth2 provider settings (the client secret is
 * write-only), "Test discovery", and a preview of the group → role mapping
 * for a sample claim set, computed by the strategy real logins use.
 */
export function adminOidcRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/admin/oidc', async (request, reply) => {
    const rt = ctx.runtime();
    if (!(await requireAdmin(ctx, request, reply, rt, false))) return reply;
    return reply.header('cache-control', 'no-store').send(view(ctx, request, rt));
  });

  // Changes who gets in (and, in oauth2 mode, whether anyone can): sensitive.
  app.put('/api/admin/oidc', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller || !requireStepUp(ctx, reply, rt, caller)) return reply;
    const body = parseBody(OidcSettingsBody, request, reply);
    if (!body) return reply;
    const before = rt.config.oauth2;
    const proposed = mergeSettings(before, body);
    if (proposed.issuerUrl === undefined || proposed.clientId === undefined) {
      return sendApiError(reply, 400, 'invalid_settings', 'issuerUrl and clientId are needed to set up a provider');
    }
    const checked = validated(rt.config, proposed);
    if (!checked.ok) return sendApiError(reply, 400, 'invalid_settings', checked.problems.join('; '));
    const after = checked.oauth2;
    if (rt.config.mode === 'oauth2' && before) {
      const problems = await lockoutProblems(ctx, caller, before, after);
      if (problems.length > 0) {
        return reply.code(409).header('cache-control', 'no-store').send({ error: 'would_lock_out', message: 'refused: saving these settings could lock the admin out', problems });
      }
    }
    let next: Config;
    try {
      next = await ctx.config.update((config) => {
        // What was checked must still be what is replaced (another admin, the CLI or a hand edit may have been quicker).
        const latest = config.oauth2;
        const unchanged = config.mode === rt.config.mode && (latest === undefined ? before === undefined : before !== undefined && changedFields(before, latest).length === 0);
        if (!unchanged) throw new ChangedMeanwhile();
        return { ...config, oauth2: after } as Config;
      });
    } catch (error) {
      if (error instanceof ChangedMeanwhile) return sendApiError(reply, 409, 'changed_meanwhile', 'the OIDC settings changed while saving; reload them and try again');
      if (error instanceof InvalidDocumentError) return sendApiError(reply, 400, 'invalid_settings', error.problems.join('; '));
      throw error;
    }
    // The config change hook has already forgotten a test login made with another client (forgetReadinessOnProviderChange).
    const saved = next.oauth2!;
    await ctx.audit.record({
      event: 'oidc.update',
      actor: caller.principal.username,
      target: saved.issuerUrl,
      ip: clientIp(request, rt.trustedProxies),
      details: { fields: changedFields(before, saved).join(','), clientSecret: secretChange(before?.clientSecret, saved.clientSecret), mode: next.mode },
    });
    return reply.header('cache-control', 'no-store').send(view(ctx, request, ctx.runtime()));
  });

  app.post('/api/admin/oidc/discovery', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await requireAdmin(ctx, request, reply, rt, true);
    if (!caller) return reply;
    const body = parseBody(OidcDiscoveryBody, request, reply);
    if (!body) return reply;
    const saved = rt.config.oauth2;
    const issuerUrl = body.issuerUrl ?? saved?.issuerUrl;
    const clientId = body.clientId ?? saved?.clientId;
    if (issuerUrl === undefined || clientId === undefined) {
      return sendApiError(reply, 400, 'not_configured', 'no provider is saved yet: send issuerUrl and clientId, or save the settings first');
    }
    const checked = validated(rt.config, { ...(saved ?? oauth2Defaults()), issuerUrl, clientId });
    if (!checked.ok) return sendApiError(reply, 400, 'invalid_settings', checked.problems.join('; '));
    const isSaved = saved !== undefined && saved.issuerUrl === issuerUrl && saved.clientId === clientId;
    const settings: ProviderSettings = { issuerUrl, clientId, clientSecret: isSaved ? saved.clientSecret : undefined };
    const ip = clientIp(request, rt.trustedProxies);
    let configuration: Configuration;
    try {
      configuration = await discoverProvider(settings);
    } catch (error) {
      const failure = error instanceof DiscoveryError ? error : new DiscoveryError('bad_metadata', (error as Error)?.message ?? String(error));
      await ctx.audit.record({ event: 'oidc.discovery', actor: caller.principal.username, target: issuerUrl, ip, outcome: 'failure', details: { reason: failure.reason, saved: isSaved } });
      return reply.header('cache-control', 'no-store').send({
        ok: false,
        issuerUrl,
        saved: isSaved,
        reason: failure.reason,
        message: redact(failure.message, saved?.clientSecret),
        readiness: readiness(ctx, ctx.runtime().config.oauth2),
      });
    }
    if (isSaved) {
      // Only the saved provider counts for the switch to oauth2 (the readiness keeps one issuer).
      ctx.oidcReadiness.markDiscovered(issuerUrl);
      // In oauth2 mode, a connection that is backing off tries again now instead of waiting.
      if (rt.config.mode === 'oauth2') void ctx.oidc.connection(saved).ensure();
    }
    await ctx.audit.record({ event: 'oidc.discovery', actor: caller.principal.username, target: issuerUrl, ip, outcome: 'success', details: { saved: isSaved } });
    const m = configuration.serverMetadata();
    const warnings: string[] = [];
    if (!m.token_endpoint) warnings.push('the provider lists no token_endpoint: sign-ins cannot complete');
    if (!m.jwks_uri) warnings.push('the provider lists no jwks_uri: id_token signatures cannot be checked');
    if (m.code_challenge_methods_supported && !m.code_challenge_methods_supported.includes('S256')) warnings.push('the provider does not list S256 in code_challenge_methods_supported; Gatehouse always sends PKCE S256');
    const authMethods = m.token_endpoint_auth_methods_supported;
    if (authMethods && settings.clientSecret && !authMethods.includes('client_secret_post')) warnings.push('the provider does not list client_secret_post, the method Gatehouse authenticates a confidential client with');
    if (authMethods && !settings.clientSecret && isSaved && !authMethods.includes('none')) warnings.push('no client secret is set (a public client), but the provider does not list the "none" client authentication method');
    return reply.header('cache-control', 'no-store').send({
      ok: true,
      issuerUrl,
      saved: isSaved,
      issuer: m.issuer,
      endpoints: {
        authorization: m.authorization_endpoint ?? null,
        token: m.token_endpoint ?? null,
        userinfo: m.userinfo_endpoint ?? null,
        jwks: m.jwks_uri ?? null,
        endSession: m.end_session_endpoint ?? null,
        pushedAuthorizationRequest: m.pushed_authorization_request_endpoint ?? null,
      },
      par: { supported: Boolean(m.pushed_authorization_request_endpoint), required: m.require_pushed_authorization_requests === true },
      endSessionEndpoint: m.end_session_endpoint ?? null,
      warnings,
      readiness: readiness(ctx, ctx.runtime().config.oauth2),
    });
  });

  app.post('/api/admin/oidc/preview', async (request, reply) => {
    const rt = ctx.runtime();
    if (!(await requireAdmin(ctx, request, reply, rt, true))) return reply;
    const body = parseBody(OidcPreviewBody, request, reply);
    if (!body) return reply;
    const saved = rt.config.oauth2;
    const base = saved ?? oauth2Defaults();
    const override = body.mapping ?? {};
    const mapping: GroupMapping = {
      adminGroupClaim: override.adminGroupClaim ?? base.adminGroupClaim,
      adminGroupValues: override.adminGroupValues ?? base.adminGroupValues,
      editorGroupValues: override.editorGroupValues ?? base.editorGroupValues,
      fallbackRole: override.fallbackRole ?? base.fallbackRole,
    };
    // The strategy the callback uses: the one in force in oauth2 mode, else one built from the mapping, as the test sign-in does.
    const strategy = rt.strategy instanceof OAuth2Strategy && saved && body.mapping === undefined ? rt.strategy : new OAuth2Strategy(mapping);
    const claims = body.claims as OidcClaims;
    const mapped = strategy.principalFor(saved?.issuerUrl ?? '(no issuer saved)', claims);
    const claim = mapping.adminGroupClaim;
    const claimFound = claimAt(claims, claim) !== undefined;
    const groups = groupsFrom(claimAt(claims, claim));
    const source = saved ? (body.mapping ? 'saved settings with the given overrides' : 'saved settings') : body.mapping ? 'defaults with the given overrides' : 'defaults (no provider saved)';
    const missing = claimFound ? `no value of the "${claim}" claim is in adminGroupValues or editorGroupValues` : `the claims have no "${claim}" claim`;
    if (!mapped.ok) {
      const message =
        mapped.reason === 'missing_sub'
          ? 'denied: the claims have no "sub" (every id_token has one), so no one can be identified'
          : `denied: ${missing}, and fallbackRole is deny, so this user would be refused at sign-in`;
      return reply.header('cache-control', 'no-store').send({ role: 'denied', reason: mapped.reason, claim, claimFound, groups: mapped.groups, matched: null, message, mapping, mappingSource: source });
    }
    const { principal } = mapped;
    const adminValue = principal.role === 'admin' ? groups.find((g) => mapping.adminGroupValues.includes(g)) : undefined;
    const editorValue = principal.role === 'editor' ? groups.find((g) => mapping.editorGroupValues.includes(g)) : undefined;
    const matched = adminValue !== undefined ? { claim, value: adminValue, list: 'adminGroupValues' } : editorValue !== undefined ? { claim, value: editorValue, list: 'editorGroupValues' } : null;
    const message = matched
      ? `role ${principal.role}: the "${claim}" claim has "${matched.value}", which is in ${matched.list}`
      : `role ${principal.role}: ${missing}, so fallbackRole applies`;
    return reply.header('cache-control', 'no-store').send({
      role: principal.role,
      reason: matched ? 'group' : 'fallbackRole',
      claim,
      claimFound,
      groups,
      matched,
      message,
      principal: { id: principal.id, username: principal.username, email: principal.email ?? null, name: principal.name ?? null, groups: principal.groups, amr: principal.amr, acr: principal.acr },
      mapping,
      mappingSource: source,
    });
  });
}
