import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { HasherBusyError, prehash, WorkerPasswordHasher } from '../../src/users/password-hasher.js';

describe('WorkerPasswordHasher', () => {
  const hasher = new WorkerPasswordHasher(2);
  afterAll(() => hasher.close());

  it('hashes to a 60-char bcrypt hash of the requested cost and verifies it', async () => {
    const hash = await hasher.hash('correct horse battery staple', 10);
    expect(hash).toMatch(/^\$2[aby]\$10\$[./A-Za-z0-9]{53}$/);
    expect(await hasher.verify('correct horse battery staple', hash)).toBe(true);
    expect(await hasher.verify('correct horse battery stapler', hash)).toBe(false);
    expect(await hasher.verify('', hash)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hasher.hash('same password twice', 4), hasher.hash('same password twice', 4)]);
    expect(a).not.toBe(b);
  });

  it('stores bcrypt of the pre-hash, never of the raw password', async () => {
    const hash = await hasher.hash('correct horse battery staple', 4);
    expect(bcrypt.compareSync(prehash('correct horse battery staple'), hash)).toBe(true);
    expect(bcrypt.compareSync('correct horse battery staple', hash)).toBe(false);
  });

  it('treats NFC and NFD spellings of a password as the same password', async () => {
    const hash = await hasher.hash('caf\u00e9 au lait please', 4);
    expect(await hasher.verify('cafe\u0301 au lait please', hash)).toBe(true);
  });

  it('rejects a malformed stored hash instead of answering a fast false', async () => {
    const good = await hasher.hash('correct horse battery staple', 4);
    for (const bad of ['', 'x', '$2b$10$short', good.slice(0, 59), `${good}x`, good.replace('$2b$', '$1$'), 'correct horse battery staple']) {
      await expect(hasher.verify('correct horse battery staple', bad), JSON.stringify(bad)).rejects.toThrow(/not a bcrypt hash/);
    }
  });

  it('runs hashes in parallel workers and keeps the event loop free', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    await Promise.all(Array.from({ length: 4 }, (_, i) => hasher.hash(`password number ${i}`, 10)));
    clearInterval(timer);
    const elapsed = Date.now() - started;
    // If bcrypt ran on this thread the interval could not fire while hashing.
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 5 / 4));
  });

  it('refuses work beyond its queue bound with HasherBusyError', async () => {
    const small = new WorkerPasswordHasher(1, 2);
    try {
      const jobs = Array.from({ length: 4 }, (_, i) => small.hash(`queued password ${i}`, 8));
      const results = await Promise.allSettled(jobs);
      const busy = results.filter((r) => r.status === 'rejected' && r.reason instanceof HasherBusyError);
      expect(busy.length).toBeGreaterThanOrEqual(1);
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(2);
    } finally {
      await small.close();
    }
  });

  it('starts workers only when there is work, and no more than its size', async () => {
    const lazy = new WorkerPasswordHasher(2, 16, 60_000);
    try {
      expect(lazy.workerCount).toBe(0);
      await Promise.all(Array.from({ length: 5 }, (_, i) => lazy.hash(`lazy password ${i}`, 4)));
      expect(lazy.workerCount).toBe(2);
    } finally {
      await lazy.close();
    }
  });

  it('stops idle workers after its idle time and starts fresh ones for later work', async () => {
    const idle = new WorkerPasswordHasher(1, 16, 200);
    try {
      const hash = await idle.hash('idle pool password', 4);
      expect(idle.workerCount).toBe(1);
      await expect.poll(() => idle.workerCount, { timeout: 5_000, interval: 50 }).toBe(0);
      expect(await idle.verify('idle pool password', hash)).toBe(true);
      expect(await idle.verify('not the idle pool password', hash)).toBe(false);
    } finally {
      await idle.close();
    }
  });

  it('refuses work after close instead of leaving it pending', async () => {
    const closing = new WorkerPasswordHasher(1);
    await closing.close();
    await expect(closing.hash('after close password', 4)).rejects.toThrow(/closed/);
  });
});
