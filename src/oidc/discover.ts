import type { Configuration } from 'openid-client';

/** The provider settings a connection is keyed on; everything else is read per request. */
export interface ProviderSettings {
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
}

export type DiscoveryFailureCode = 'insecure_issuer' | 'unreachable' | 'timeout' | 'issuer_mismatch' | 'http_error' | 'bad_metadata';

/** Why discovery failed, in words an admin can act on. */
export class DiscoveryError extends Error {
  static readonly code = 'GH_OIDC_DISCOVERY_FAILED';
  readonly code = DiscoveryError.code;

  constructor(
    readonly reason: DiscoveryFailureCode,
    message: string,
  ) {
    super(message);
  }
}

export type Discover = (settings: ProviderSettings) => Promise<Configuration>;

const DISCOVERY_TIMEOUT_SECONDS = 5;

/** localhost, 127.0.0.0/8 and ::1: the only hosts a plain-http issuer may use (tests, local dev). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * OpenID discovery with openid-client. https only, except an http issuer on
 * a loopback address. A client secret authenticates with client_secret_post
 * (every provider we know accepts it); no secret means a public client.
 */
export const discoverProvider: Discover = async (settings) => {
  const { ClientSecretPost, None, allowInsecureRequests, discovery } = await import('openid-client');
  const issuer = new URL(settings.issuerUrl);
  const loopbackHttp = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
  if (issuer.protocol !== 'https:' && !loopbackHttp) {
    throw new DiscoveryError('insecure_issuer', `oauth2.issuerUrl ${settings.issuerUrl} is not https; plain http is only allowed for a loopback issuer`);
  }
  try {
    return await discovery(
      issuer,
      settings.clientId,
      undefined,
      settings.clientSecret ? ClientSecretPost(settings.clientSecret) : None(),
      { timeout: DISCOVERY_TIMEOUT_SECONDS, execute: loopbackHttp ? [allowInsecureRequests] : [] },
    );
  } catch (error) {
    throw describeDiscoveryError(error, settings.issuerUrl);
  }
};

function describeDiscoveryError(error: unknown, issuerUrl: string): DiscoveryError {
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown; status?: number };
  const wellKnown = `${issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return new DiscoveryError('timeout', `no answer from ${wellKnown} within ${DISCOVERY_TIMEOUT_SECONDS}s`);
  }
  if (e?.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
    const actual = (e.cause as { body?: { issuer?: unknown } } | undefined)?.body?.issuer;
    return new DiscoveryError('issuer_mismatch', `the provider at ${wellKnown} calls itself ${JSON.stringify(actual ?? '?')}, not ${issuerUrl}; set oauth2.issuerUrl to exactly its issuer`);
  }
  if (e?.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || typeof e?.status === 'number') {
    const status = (e.cause as { status?: number } | undefined)?.status ?? e.status;
    return new DiscoveryError('http_error', `${wellKnown} answered HTTP ${status ?? '?'}; check oauth2.issuerUrl (Keycloak: https://host/realms/<realm>, Authentik: https://host/application/o/<slug>/)`);
  }
  if (e?.name === 'TypeError' && e.message === 'fetch failed') {
    const cause = e.cause as { code?: string; message?: string } | undefined;
    return new DiscoveryError('unreachable', `cannot connect to ${wellKnown}: ${cause?.code ?? cause?.message ?? 'network error'}`);
  }
  return new DiscoveryError('bad_metadata', `discovery at ${wellKnown} failed: ${e?.message ?? String(error)}`);
}
