import type { JWTHeaderParameters, JWTPayload, errors as JoseErrors } from 'jose';
import { constantTimeEqual } from '../crypto/constant-time.js';
import type { JwksGetter } from './provider-connection.js';

/** Clock difference tolerated between Gatehouse and the provider, both ways. */
export const ID_TOKEN_CLOCK_SKEW_SECONDS = 60;

export interface IdTokenExpectations {
  /** The provider's issuer identifier, exactly (from discovery, which matched it to oauth2.issuerUrl). */
  readonly issuer: string;
  readonly clientId: string;
  /** Only for providers that sign with HS256 and the client secret (Authentik without a signing key). */
  readonly clientSecret?: string | undefined;
  readonly nonce: string;
  /** Signing algorithms the provider advertises; `none` is never accepted. */
  readonly algorithms: readonly string[];
  /** Epoch ms. */
  readonly now: number;
}

export type IdTokenFailure = 'malformed' | 'algorithm' | 'unknown_key' | 'keys_unavailable' | 'signature' | 'issuer' | 'audience' | 'expired' | 'iat_in_future' | 'nonce';

export type IdTokenCheck = { readonly ok: true; readonly claims: JWTPayload } | { readonly ok: false; readonly failure: IdTokenFailure; readonly message: string };

const DEFAULT_ALGORITHMS = ['RS256'];

/**
 * Verifies an id_token from the token endpoint: signature with the provider's
 * keys (fetched once, refetched on an unknown `kid` only after a cooldown),
 * issuer exactly, audience = our client id (and `azp` when there are several
 * audiences), expiry, `iat` not in the future, and the nonce this browser's
 * flow sent. openid-client checks most of these too; this is the check the
 * session depends on, with Gatehouse's clock and its own error codes.
 */
export async function verifyIdToken(token: string, jwks: JwksGetter | null, expect: IdTokenExpectations): Promise<IdTokenCheck> {
  const { errors, jwtVerify } = await import('jose');
  const algorithms = (expect.algorithms.length > 0 ? expect.algorithms : DEFAULT_ALGORITHMS).filter((a) => a !== 'none' && (!a.startsWith('HS') || expect.clientSecret));
  const secret = expect.clientSecret ? new TextEncoder().encode(expect.clientSecret) : undefined;
  const key = async (header: JWTHeaderParameters, jws: Parameters<JwksGetter>[1]) => {
    if (header.alg.startsWith('HS') && secret) return secret;
    if (!jwks) throw new errors.JWKSNoMatchingKey('the provider publishes no jwks_uri');
    return jwks(header, jws);
  };
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, key, {
      issuer: expect.issuer,
      audience: expect.clientId,
      algorithms,
      currentDate: new Date(expect.now),
      clockTolerance: ID_TOKEN_CLOCK_SKEW_SECONDS,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    }));
  } catch (error) {
    return fail(...classify(error, errors));
  }
  const nowSeconds = Math.floor(expect.now / 1000);
  if (typeof claims.iat !== 'number' || claims.iat > nowSeconds + ID_TOKEN_CLOCK_SKEW_SECONDS) {
    return fail('iat_in_future', `iat ${claims.iat} is more than ${ID_TOKEN_CLOCK_SKEW_SECONDS}s ahead of Gatehouse's clock (${nowSeconds})`);
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if ((audiences.length > 1 || claims.azp !== undefined) && claims.azp !== expect.clientId) {
    return fail('audience', `azp ${JSON.stringify(claims.azp)} is not this client`);
  }
  if (typeof claims.nonce !== 'string' || !constantTimeEqual(claims.nonce, expect.nonce)) {
    return fail('nonce', 'the nonce does not match the one this browser sent');
  }
  return { ok: true, claims };
}

function fail(failure: IdTokenFailure, message: string): IdTokenCheck {
  return { ok: false, failure, message };
}

function classify(error: unknown, errors: typeof JoseErrors): [IdTokenFailure, string] {
  if (error instanceof errors.JWTExpired) return ['expired', 'the id_token has expired'];
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return ['issuer', `issuer ${JSON.stringify(error.payload.iss)} is not the configured provider`];
    if (error.claim === 'aud') return ['audience', `audience ${JSON.stringify(error.payload.aud)} does not include this client`];
    if (error.claim === 'iat' || error.claim === 'nbf') return ['iat_in_future', error.message];
    return ['malformed', `claim ${error.claim}: ${error.message}`];
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return ['unknown_key', 'no key of the provider matches the id_token kid'];
  if (error instanceof errors.JWSSignatureVerificationFailed) return ['signature', 'the id_token signature is invalid'];
  if (error instanceof errors.JOSEAlgNotAllowed) return ['algorithm', error.message];
  if (error instanceof errors.JWKSTimeout || (error instanceof TypeError && error.message === 'fetch failed')) return ['keys_unavailable', 'the provider keys (jwks_uri) could not be fetched'];
  if (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC') return ['keys_unavailable', error.message];
  return ['malformed', (error as Error)?.message ?? String(error)];
}
