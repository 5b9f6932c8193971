import type * as OpenIdClient from 'openid-client';
import type { OAuth2Config } from '../../config/schema.js';
import type { OAuth2Strategy, OidcClaims } from '../../strategies/oauth2.js';
import type { Principal } from '../../strategies/types.js';
import { randomToken } from '../crypto/random.js';
import type { LoginFlow } from './flow-cookie.js';
import { verifyIdToken } from './id-token.js';
import type { OidcService } from './oidc-service.js';
import { OidcLoginError, mentionsRedirectUri, oauthError } from './oidc-errors.js';
import type { ReadyProvider } from './provider-connection.js';

/** Claims only the id_token may set: userinfo never overrides identity or freshness. */
const ID_TOKEN_ONLY = new Set(['iss', 'sub', 'aud', 'azp', 'exp', 'iat', 'nbf', 'nonce', 'auth_time', 'acr', 'amr', 'at_hash', 'c_hash', 'sid', 'jti']);
const PROFILE_CLAIMS = ['preferred_username', 'email', 'name'];

export interface BeginLogin {
  readonly settings: OAuth2Config;
  readonly provider: ReadyProvider;
  readonly redirectUri: string;
  readonly rd: string;
  /** 2 when this flow restarts one that came back with an invalid session. */
  readonly attempt: 1 | 2;
  readonly purpose: LoginFlow['purpose'];
}

/** A redirect_uri on plain http off localhost: the usual sign of a proxy that sends no X-Forwarded-Proto. */
export function looksLikeMissingProto(redirectUri: string): boolean {
  const url = new URL(redirectUri);
  return url.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) && !url.hostname.endsWith('.localhost');
}

/**
 * Starts the authorization code flow: fresh state, nonce and PKCE verifier,
 * sealed into the flow cookie, and the provider URL to send the browser to.
 * When the provider supports PAR the request is pushed first, so an
 * unregistered redirect URI or a wrong client secret is reported here, on
 * Gatehouse's page, instead of on the provider's error page.
 */
export async function beginLogin(service: OidcService, input: BeginLogin): Promise<{ authorizationUrl: URL; cookieValue: string; flow: LoginFlow }> {
  const oidc = await import('openid-client');
  const { configuration } = input.provider;
  const state = `${input.attempt}.${randomToken(service.random, 24)}`;
  const nonce = randomToken(service.random, 24);
  const codeVerifier = randomToken(service.random, 32);
  const scopes = input.settings.scopes.includes('openid') ? input.settings.scopes : ['openid', ...input.settings.scopes];
  const parameters = {
    redirect_uri: input.redirectUri,
    scope: scopes.join(' '),
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  };
  let authorizationUrl: URL;
  if (configuration.serverMetadata().pushed_authorization_request_endpoint) {
    try {
      authorizationUrl = await oidc.buildAuthorizationUrlWithPAR(configuration, parameters);
    } catch (error) {
      throw exchangeError(error, input.redirectUri, 'pushed authorization request');
    }
  } else {
    authorizationUrl = oidc.buildAuthorizationUrl(configuration, parameters);
  }
  const { value, flow } = await service.sealer.seal({
    state,
    nonce,
    codeVerifier,
    redirectUri: input.redirectUri,
    rd: input.rd,
    issuerUrl: input.settings.issuerUrl,
    clientId: input.settings.clientId,
    purpose: input.purpose,
  });
  return { authorizationUrl, cookieValue: value, flow };
}

export interface FinishLogin {
  readonly settings: OAuth2Config;
  readonly provider: ReadyProvider;
  readonly strategy: OAuth2Strategy;
  readonly flow: LoginFlow;
  /** The callback's query string, as the provider sent it. */
  readonly query: URLSearchParams;
}

export interface FinishedLogin {
  readonly principal: Principal;
  readonly issuer: string;
  /** When the provider did MFA, for step-up windows; null otherwise. */
  readonly mfaAt: number | null;
  readonly providerAcr: string | undefined;
}

/**
 * Completes the flow whose state already matched this browser's cookie:
 * provider errors, the code exchange (PKCE, state, nonce, iss checked by
 * openid-client), the id_token (verified again by Gatehouse, see id-token.ts),
 * userinfo for profile claims the id_token lacks, then group → role.
 * Every failure is an OidcLoginError.
 */
export async function finishLogin(service: OidcService, input: FinishLogin): Promise<FinishedLogin> {
  const oidc = await import('openid-client');
  const { configuration, jwks } = input.provider;
  const metadata = configuration.serverMetadata();
  const providerError = oauthError({ error: input.query.get('error') ?? undefined, error_description: input.query.get('error_description') ?? undefined });
  if (providerError) {
    const text = `${providerError.error}${providerError.description ? `: ${providerError.description}` : ''}`;
    if (providerError.error === 'access_denied') throw new OidcLoginError('access_denied', `the provider answered ${text}`, providerError.description);
    if (providerError.error === 'invalid_client' || providerError.error === 'unauthorized_client') throw new OidcLoginError('invalid_client', `the provider answered ${text}`);
    if (mentionsRedirectUri(providerError)) throw redirectUriError(input.flow.redirectUri, text);
    throw new OidcLoginError('provider_error', `the provider answered ${text}`, text);
  }

  const currentUrl = new URL(input.flow.redirectUri);
  for (const [name, value] of input.query) currentUrl.searchParams.append(name, value);
  let tokens: Awaited<ReturnType<typeof OpenIdClient.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
      pkceCodeVerifier: input.flow.codeVerifier,
      expectedState: input.flow.state,
      expectedNonce: input.flow.nonce,
      idTokenExpected: true,
    });
  } catch (error) {
    throw exchangeError(error, input.flow.redirectUri, 'code exchange');
  }
  if (!tokens.id_token) throw new OidcLoginError('id_token_invalid', 'the token response has no id_token');

  const checked = await verifyIdToken(tokens.id_token, jwks, {
    issuer: metadata.issuer,
    clientId: input.settings.clientId,
    clientSecret: input.settings.clientSecret,
    nonce: input.flow.nonce,
    algorithms: metadata.id_token_signing_alg_values_supported ?? [],
    now: service.now(),
  });
  if (!checked.ok) throw new OidcLoginError('id_token_invalid', `id_token refused (${checked.failure}): ${checked.message}`);

  const claims: Record<string, unknown> = { ...checked.claims };
  const wanted = [input.settings.adminGroupClaim.split('.')[0]!, ...PROFILE_CLAIMS];
  if (metadata.userinfo_endpoint && tokens.access_token && wanted.some((name) => claims[name] === undefined)) {
    try {
      const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, String(claims.sub));
      for (const [name, value] of Object.entries(userinfo)) if (!ID_TOKEN_ONLY.has(name) && claims[name] === undefined) claims[name] = value;
    } catch (error) {
      throw new OidcLoginError('provider_error', `userinfo request failed: ${(error as Error).message}`, 'your account details could not be read');
    }
  }

  const mapped = input.strategy.principalFor(metadata.issuer, claims as OidcClaims);
  if (!mapped.ok) {
    if (mapped.reason === 'missing_sub') throw new OidcLoginError('id_token_invalid', 'the id_token has no sub');
    throw new OidcLoginError('no_matching_group', `no group in claim ${input.settings.adminGroupClaim} (${JSON.stringify(mapped.groups)}) maps to a role and fallbackRole is deny`);
  }
  const now = service.now();
  const authTime = typeof claims.auth_time === 'number' ? Math.min(claims.auth_time * 1000, now) : now;
  return {
    principal: mapped.principal,
    issuer: metadata.issuer,
    mfaAt: mapped.principal.acr === 'aal2' ? authTime : null,
    providerAcr: typeof claims.acr === 'string' ? claims.acr : undefined,
  };
}

function redirectUriError(redirectUri: string, providerText: string): OidcLoginError {
  // Only the log names the URL: the page goes to whoever is signing in.
  if (looksLikeMissingProto(redirectUri)) {
    return new OidcLoginError(
      'callback_url_mismatch',
      `the provider refused redirect_uri ${redirectUri} (${providerText}); it is plain http because the proxy sent no X-Forwarded-Proto header: make the proxy send X-Forwarded-Proto/X-Forwarded-Host or set GATEHOUSE_PORTAL_URL`,
    );
  }
  return new OidcLoginError('redirect_uri_not_registered', `the provider refused redirect_uri ${redirectUri} (${providerText}); register exactly this URL as a redirect URI of the client at the provider`);
}

/** Turns a failed PAR or token request into the message an admin can act on. */
function exchangeError(error: unknown, redirectUri: string, step: string): OidcLoginError {
  const err = oauthError(error);
  if (err) {
    const text = `${err.error}${err.description ? `: ${err.description}` : ''}`;
    if (err.error === 'invalid_client' || err.error === 'unauthorized_client') {
      return new OidcLoginError('invalid_client', `${step}: the provider answered ${text}; check oauth2.clientId and oauth2.clientSecret`);
    }
    if (mentionsRedirectUri(err) || (err.error === 'invalid_grant' && looksLikeMissingProto(redirectUri))) return redirectUriError(redirectUri, text);
    return new OidcLoginError('code_exchange_failed', `${step}: the provider answered ${text}`, err.error);
  }
  const e = error as { name?: string; code?: string; message?: string; cause?: { message?: unknown } };
  if (e?.name === 'TypeError' && e.message === 'fetch failed') return new OidcLoginError('provider_unreachable', `${step}: cannot connect to the provider`);
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return new OidcLoginError('provider_unreachable', `${step}: the provider did not answer in time`);
  // openid-client's own checks: iss in the response, id_token claims, nonce, state.
  // openid-client's message is generic; the wrapped one names the claim or parameter.
  const detail = typeof e?.cause?.message === 'string' ? e.cause.message : (e?.message ?? String(error));
  return new OidcLoginError('id_token_invalid', `${step}: ${e?.code ? `${e.code}: ` : ''}${detail}`);
}
