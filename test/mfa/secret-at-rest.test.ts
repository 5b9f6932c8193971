import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { MfaError, MfaService } from '../../src/mfa/mfa-service.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import type { AppFixture } from '../support/app-fixture.js';
import { TEST_SECRET } from '../support/app-fixture.js';
import { codeAt, enrolThroughPages, userNamed } from '../support/mfa.js';
import { ALICE, signIn, userPasswordFixture } from '../support/user-password.js';

describe('TOTP secrets are encrypted at rest', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('credentials.json holds AES-GCM ciphertext, never the base32 secret; recovery codes only as argon2id hashes', async () => {
    fx = await userPasswordFixture([ALICE]);
    const f = fx;
    const { secret, recoveryCodes } = await enrolThroughPages(f.app, await signIn(f.app, ALICE), (s) => codeAt(s, f.clock.now));
    const text = await readFile(join(f.dataDir, 'credentials.json'), 'utf8');
    expect(text).not.toContain(secret);
    expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
    // Nor the raw seed bytes in another common encoding.
    expect(text).not.toContain(Buffer.from(secret).toString('base64'));
    for (const code of recoveryCodes) {
      expect(text).not.toContain(code);
      expect(text).not.toContain(code.replace('-', ''));
    }
    const doc = JSON.parse(text) as { totp: Array<{ secret: { iv: string; tag: string; data: string } }>; recovery: Array<{ hashes: string[] }> };
    const sealed = doc.totp[0]!.secret;
    expect(Buffer.from(sealed.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64')).toHaveLength(16);
    expect(doc.recovery[0]!.hashes).toHaveLength(10);
    for (const h of doc.recovery[0]!.hashes) expect(h).toMatch(/^\$argon2id\$/);

    // The key is derived from GATEHOUSE_SESSION_SECRET: the same secret opens it, another does not.
    expect(new SecretBox(TEST_SECRET, 'gatehouse totp secret v1').open(sealed)).toBe(secret);
    expect(() => new SecretBox(`${TEST_SECRET}x`, 'gatehouse totp secret v1').open(sealed)).toThrow();
  });

  it('without GATEHOUSE_SESSION_SECRET there is no enrolment (nothing stored in the clear)', async () => {
    fx = await userPasswordFixture([ALICE]);
    const service = new MfaService(fx.accounts.credentialsStore, { box: null, audit: new AuditLog(fx.dataDir), now: () => fx.clock.now, issuer: () => 'test' });
    await expect(service.beginTotp(userNamed(fx, 'alice'))).rejects.toBeInstanceOf(MfaError);
    expect(fx.accounts.credentialsStore.current.totp).toEqual([]);
  });
});

describe('SecretBox', () => {
  const box = new SecretBox('a-master-secret-of-at-least-32-characters!', 'purpose one');
  const flip = (b64: string, index = 0) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[index] = bytes[index]! ^ 0x01;
    return bytes.toString('base64');
  };

  it('round-trips, with a fresh IV each time', () => {
    const a = box.seal('JBSWY3DPEHPK3PXP');
    const b = box.seal('JBSWY3DPEHPK3PXP');
    expect(box.open(a)).toBe('JBSWY3DPEHPK3PXP');
    expect(box.open(b)).toBe('JBSWY3DPEHPK3PXP');
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
  });

  it('refuses tampered ciphertext, tag or IV', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(() => box.open({ ...sealed, data: flip(sealed.data) })).toThrow();
    expect(() => box.open({ ...sealed, data: flip(sealed.data, 9) })).toThrow();
    expect(() => box.open({ ...sealed, tag: flip(sealed.tag) })).toThrow();
    expect(() => box.open({ ...sealed, iv: flip(sealed.iv) })).toThrow();
    // A truncated tag is not a weaker check.
    expect(() => box.open({ ...sealed, tag: Buffer.from(sealed.tag, 'base64').subarray(0, 4).toString('base64') })).toThrow();
    // Ciphertext swapped in from another seal under the same key fails too (the tag binds it).
    const other = box.seal('KRSXG5CTMVRXEZLU');
    expect(() => box.open({ ...sealed, data: other.data })).toThrow();
  });

  it('refuses ciphertext sealed under another master secret or for another purpose', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(() => new SecretBox('another-master-secret-of-32-characters!!', 'purpose one').open(sealed)).toThrow();
    expect(() => new SecretBox('a-master-secret-of-at-least-32-characters!', 'purpose two').open(sealed)).toThrow();
  });
});
