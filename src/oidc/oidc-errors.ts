/**
 * Every way an OIDC login can fail, with the text the person at the browser
 * sees and the HTTP status of the page. The log line carries the technical
 * detail; the page says what to do.
 */
export const OIDC_ERRORS = {
  provider_unreachable: { status: 503, page: 'The sign-in provider cannot be reached right now. Please try again in a minute.' },
  invalid_session: { status: 400, page: 'Invalid OIDC session: the sign-in expired or was started in another browser or tab. Please sign in again.' },
  state_replayed: { status: 400, page: 'This sign-in response was already used. Please sign in again.' },
  provider_error: { status: 400, page: 'The sign-in provider did not sign you in.' },
  access_denied: { status: 403, page: 'The sign-in provider refused the sign-in (access denied).' },
  redirect_uri_not_registered: { status: 502, page: 'The sign-in provider does not accept Gatehouse’s callback URL. An administrator must register it at the provider (see the log for the exact URL).' },
  invalid_client: { status: 502, page: 'The sign-in provider does not recognise Gatehouse (invalid_client). An administrator must check oauth2.clientId and oauth2.clientSecret.' },
  callback_url_mismatch: { status: 502, page: 'The sign-in provider refused the sign-in because the callback URL did not match: the proxy in front of Gatehouse sends no X-Forwarded-Proto header. An administrator must fix the proxy or set GATEHOUSE_PORTAL_URL.' },
  code_exchange_failed: { status: 502, page: 'The sign-in provider refused to complete the sign-in. Please try again.' },
  id_token_invalid: { status: 401, page: 'The sign-in provider’s answer could not be verified, so you were not signed in.' },
  no_matching_group: { status: 403, page: 'Your account is not in a group that may use this site. Ask an administrator for access.' },
  wrong_mode: { status: 404, page: 'Sign-in with an identity provider is not enabled.' },
} as const satisfies Record<string, { status: number; page: string }>;

export type OidcErrorCode = keyof typeof OIDC_ERRORS;

/** An expected login failure: shown on the login page, logged with `detail`. */
export class OidcLoginError extends Error {
  static readonly code = 'GH_OIDC_LOGIN_FAILED';
  readonly code = OidcLoginError.code;

  constructor(
    readonly reason: OidcErrorCode,
    readonly detail: string,
    /** Extra text for the page, e.g. the provider's error_description. */
    readonly pageDetail?: string,
  ) {
    super(`${reason}: ${detail}`);
  }

  get status(): number {
    return OIDC_ERRORS[this.reason].status;
  }

  get pageMessage(): string {
    const base: string = OIDC_ERRORS[this.reason].page;
    return this.pageDetail ? `${base} (${this.pageDetail})` : base;
  }
}

/** The `error` / `error_description` of an OAuth error response, when `error` is one. */
export function oauthError(error: unknown): { error: string; description: string | undefined; status: number | undefined } | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as { error?: unknown; error_description?: unknown; status?: unknown };
  if (typeof e.error !== 'string') return null;
  return {
    error: e.error,
    description: typeof e.error_description === 'string' ? e.error_description.slice(0, 300) : undefined,
    status: typeof e.status === 'number' ? e.status : undefined,
  };
}

/** True when an OAuth error is about the redirect_uri (each provider words it differently). */
export function mentionsRedirectUri(err: { error: string; description: string | undefined }): boolean {
  return err.error === 'invalid_redirect_uri' || /redirect[_ ]?ur[il]/i.test(err.description ?? '');
}
