import { createRemoteJWKSet } from 'jose';
import { verifyIdToken, type IdTokenCheck } from '../../src/oidc/id-token.js';
import type { TestOidcProvider } from './oidc-provider.js';

/** Gatehouse's own id_token check, alone, against the provider's real JWKS. */
export function gatehouseCheck(idp: TestOidcProvider, jwks = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`))) {
  return (token: string, nonce: string, now = Date.now()): Promise<IdTokenCheck> =>
    verifyIdToken(token, jwks, { issuer: idp.issuer, clientId: idp.clientId, nonce, algorithms: ['RS256'], now });
}
