/**
 * A software WebAuthn authenticator for tests: a P-256 key from node:crypto,
 * authenticator data, clientDataJSON and a `none` attestation object built by
 * hand, so each test can craft exactly the answer an attacker would send (a
 * wrong origin, another RP ID hash, UV=0, an old counter…) while everything
 * else stays valid and correctly signed.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

/** What the server's options say (the parts an authenticator reads). */
export interface CreationOptions {
  readonly challenge: string;
  readonly rp: { readonly id?: string };
  readonly user: { readonly id: string };
}
export interface RequestOptions {
  readonly challenge: string;
  readonly rpId?: string;
}

/** Deviations from a correct answer, for attack tests. */
export interface Tamper {
  type?: string;
  origin?: string;
  challenge?: string;
  rpId?: string;
  uv?: boolean;
  up?: boolean;
  counter?: number;
  userHandle?: string | null;
  credentialId?: string;
  crossOrigin?: boolean;
}

export class SoftAuthenticator {
  readonly credentialId: string;
  counter: number;
  userHandle: string | undefined;
  private readonly privateKey: KeyObject;
  private readonly cosePublicKey: Uint8Array;

  constructor(
    private readonly defaults: { origin: string; rpId: string; backupEligible?: boolean; startCounter?: number },
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
    ]);
    this.cosePublicKey = isoCBOR.encode(cose);
    this.credentialId = randomBytes(32).toString('base64url');
    this.counter = defaults.startCounter ?? 0;
  }

  /** navigator.credentials.create() as @simplewebauthn/browser returns it (RegistrationResponseJSON). */
  register(options: CreationOptions, tamper: Tamper = {}) {
    this.userHandle = options.user.id;
    const credId = Buffer.from(tamper.credentialId ?? this.credentialId, 'base64url');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credId.length);
    const authData = Buffer.concat([
      this.authDataHead(tamper.rpId ?? options.rp.id ?? this.defaults.rpId, tamper, FLAG_AT, tamper.counter ?? this.counter),
      Buffer.alloc(16), // aaguid: zeros, as with attestation "none"
      idLength,
      credId,
      Buffer.from(this.cosePublicKey),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    const id = tamper.credentialId ?? this.credentialId;
    return {
      id,
      rawId: id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge, tamper),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get() as @simplewebauthn/browser returns it (AuthenticationResponseJSON). Counts up. */
  assert(options: RequestOptions, tamper: Tamper = {}) {
    if (tamper.counter === undefined && this.counter > 0) this.counter += 1;
    const counter = tamper.counter ?? this.counter;
    const authData = this.authDataHead(tamper.rpId ?? options.rpId ?? this.defaults.rpId, tamper, 0, counter);
    const clientDataJSON = this.clientData(tamper.type ?? 'webauthn.get', options.challenge, tamper);
    const signed = Buffer.concat([authData, createHash('sha256').update(Buffer.from(clientDataJSON, 'base64url')).digest()]);
    const id = tamper.credentialId ?? this.credentialId;
    const userHandle = tamper.userHandle === undefined ? this.userHandle : tamper.userHandle;
    return {
      id,
      rawId: id,
      type: 'public-key' as const,
      response: {
        clientDataJSON,
        authenticatorData: authData.toString('base64url'),
        // ES256 signatures in WebAuthn are DER, which is what node:crypto produces.
        signature: sign('sha256', signed, this.privateKey).toString('base64url'),
        ...(userHandle ? { userHandle } : {}),
      },
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
    };
  }

  private authDataHead(rpId: string, tamper: Tamper, extraFlags: number, counter: number): Buffer {
    let flags = extraFlags;
    if (tamper.up !== false) flags |= FLAG_UP;
    if (tamper.uv !== false) flags |= FLAG_UV;
    if (this.defaults.backupEligible) flags |= FLAG_BE | FLAG_BS;
    const counterBuf = Buffer.alloc(4);
    counterBuf.writeUInt32BE(counter);
    return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), counterBuf]);
  }

  private clientData(type: string, challenge: string, tamper: Tamper): string {
    const data = {
      type: tamper.type ?? type,
      challenge: tamper.challenge ?? challenge,
      origin: tamper.origin ?? this.defaults.origin,
      crossOrigin: tamper.crossOrigin ?? false,
    };
    return Buffer.from(JSON.stringify(data)).toString('base64url');
  }
}
