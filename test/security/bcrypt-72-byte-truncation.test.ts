import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPasswordHasher } from '../../src/users/password-hasher.js';

// The cost does not matter to truncation; 4 keeps the test quick.
/**
 * Attack: bcrypt only reads the first 72 bytes, so for a long passphrase
 * anything typed after byte 72 would not matter and a shared prefix would do.
 */
describe('bcrypt 72-byte truncation', () => {
  const hasher = new WorkerPasswordHasher(2);
  afterAll(() => hasher.close());
  const prefix = 'a long passphrase that fills up the first seventy-two bytes exactly!!!!!';

  it('raw bcrypt would accept both (the weakness this guards against)', () => {
    expect(Buffer.byteLength(prefix)).toBe(72);
    const raw = bcrypt.hashSync(`${prefix}-one`, 4);
    expect(bcrypt.compareSync(`${prefix}-two`, raw)).toBe(true);
  });

  it('two passwords differing only after byte 72 never both verify', async () => {
    const first = `${prefix}-one`;
    const second = `${prefix}-two`;
    const hash = await hasher.hash(first, 4);
    expect(await hasher.verify(first, hash)).toBe(true);
    expect(await hasher.verify(second, hash)).toBe(false);
    expect(await hasher.verify(prefix, hash)).toBe(false);
  });

  it('holds for multi-byte characters straddling byte 72 and for very long passwords', async () => {
    const emoji = `${'é'.repeat(35)}xy`; // 72 bytes
    expect(Buffer.byteLength(emoji)).toBe(72);
    const hash = await hasher.hash(`${emoji}🦊`, 4);
    expect(await hasher.verify(`${emoji}🦉`, hash)).toBe(false);
    expect(await hasher.verify(`${emoji}🦊`, hash)).toBe(true);

    const long = 'p'.repeat(1000);
    const longHash = await hasher.hash(`${long}A`, 4);
    expect(await hasher.verify(`${long}B`, longHash)).toBe(false);
    expect(await hasher.verify(`${long}A`, longHash)).toBe(true);
  });

  it('a NUL byte does not end the password early', async () => {
    const hash = await hasher.hash('before the nul\u0000after one', 4);
    expect(await hasher.verify('before the nul\u0000after two', hash)).toBe(false);
  });
});
