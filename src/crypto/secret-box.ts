import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Sealed } from '../../config/mfa-schema.js';

const TAG_LENGTH = 16;

/**
 * Encrypts small secrets at rest (TOTP seeds) with AES-256-GCM. The key is
 * derived with HKDF-SHA256 from GATEHOUSE_SESSION_SECRET and a purpose label,
 * so the raw session secret is never used as a key and each purpose gets its
 * own. Changing GATEHOUSE_SESSION_SECRET makes sealed secrets unreadable:
 * users then re-enrol (an admin resets their 2FA).
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(masterSecret: string, purpose: string) {
    this.key = Buffer.from(hkdfSync('sha256', masterSecret, 'gatehouse', purpose, 32));
  }

  seal(plaintext: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_LENGTH });
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  /** Throws when the ciphertext was tampered with or sealed under another key. */
  open(sealed: Sealed): string {
    // A fixed tag length: GCM would otherwise accept a truncated (4-byte) tag, a far weaker check.
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'), { authTagLength: TAG_LENGTH });
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  }
}
