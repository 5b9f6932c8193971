import { hkdfSync } from 'node:crypto';

export const FLOW_COOKIE = 'gatehouse_oidc';
export const FLOW_COOKIE_PATH = '/api/auth/oidc';
/** How long a browser has between leaving for the provider and coming back. */
export const FLOW_LIFETIME_SECONDS = 600;

/** What the browser that started a login must bring back to the callback. */
export interface LoginFlow {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** The redirect_uri sent to the provider; the code exchange must repeat it exactly. */
  readonly redirectUri: string;
  /** Validated landing URL after the login. */
  readonly rd: string;
  /** The provider settings the flow was started for: a flow from another config is stale. */
  readonly issuerUrl: string;
  readonly clientId: string;
  /** `test`: an admin trying the provider before switching to oauth2 mode; it never signs anyone in. */
  readonly purpose: 'login' | 'test';
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export type OpenedFlow = { readonly ok: true; readonly flow: LoginFlow } | { readonly ok: false; readonly reason: 'malformed' | 'expired' | 'other_provider' };

const SIGN_ALG = 'HS256';
const ENC = 'A256GCM';

/**
 * Seals a LoginFlow into a cookie value: an HS256-signed JWT inside a
 * dir/A256GCM JWE, so the browser can neither read the PKCE verifier and nonce
 * nor change the landing URL. Both keys are derived from the session secret
 * with HKDF under their own labels; the secret itself never keys anything here.
 */
export class FlowCookieSealer {
  private readonly signKey: Uint8Array;
  private readonly encKey: Uint8Array;

  constructor(secret: string | Uint8Array, private readonly now: () => number) {
    const ikm = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    this.signKey = new Uint8Array(hkdfSync('sha256', ikm, 'gatehouse', 'gatehouse oidc flow cookie: signing', 32));
    this.encKey = new Uint8Array(hkdfSync('sha256', ikm, 'gatehouse', 'gatehouse oidc flow cookie: encryption', 32));
  }

  async seal(flow: Omit<LoginFlow, 'expiresAt'>): Promise<{ value: string; flow: LoginFlow }> {
    const { CompactEncrypt, SignJWT } = await import('jose');
    const iat = Math.floor(this.now() / 1000);
    const sealed: LoginFlow = { ...flow, expiresAt: iat + FLOW_LIFETIME_SECONDS };
    const jws = await new SignJWT({ flow: sealed })
      .setProtectedHeader({ alg: SIGN_ALG, typ: 'gatehouse-oidc-flow+jwt' })
      .setIssuedAt(iat)
      .setExpirationTime(sealed.expiresAt)
      .sign(this.signKey);
    const value = await new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({ alg: 'dir', enc: ENC, cty: 'JWT' }).encrypt(this.encKey);
    return { value, flow: sealed };
  }

  /** The flow a cookie value carries, when it is ours, intact, unexpired and for these provider settings. */
  async open(value: string, current: { issuerUrl: string; clientId: string }): Promise<OpenedFlow> {
    const { compactDecrypt, errors, jwtVerify } = await import('jose');
    let flow: LoginFlow;
    try {
      const { plaintext } = await compactDecrypt(value, this.encKey, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: [ENC] });
      const { payload } = await jwtVerify(new TextDecoder().decode(plaintext), this.signKey, {
        algorithms: [SIGN_ALG],
        typ: 'gatehouse-oidc-flow+jwt',
        currentDate: new Date(this.now()),
        requiredClaims: ['exp'],
      });
      flow = parseFlow(payload.flow);
    } catch (error) {
      return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'malformed' };
    }
    if (flow.issuerUrl !== current.issuerUrl || flow.clientId !== current.clientId) return { ok: false, reason: 'other_provider' };
    return { ok: true, flow };
  }
}

function parseFlow(value: unknown): LoginFlow {
  if (typeof value !== 'object' || value === null) throw new TypeError('no flow');
  const v = value as Record<string, unknown>;
  const strings = ['state', 'nonce', 'codeVerifier', 'redirectUri', 'rd', 'issuerUrl', 'clientId'] as const;
  for (const key of strings) if (typeof v[key] !== 'string' || v[key] === '') throw new TypeError(`bad ${key}`);
  if (typeof v.expiresAt !== 'number') throw new TypeError('bad expiresAt');
  if (v.purpose !== 'login' && v.purpose !== 'test') throw new TypeError('bad purpose');
  return v as unknown as LoginFlow;
}
