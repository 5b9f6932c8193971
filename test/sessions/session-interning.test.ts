import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import { sessionRecord, userPrincipal } from '../support/session-records.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('one user, many sessions: one principal in memory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-sessions-intern-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('shares the principal and the user agent between sessions of one user, after put and after a reload', async () => {
    const store = new FileSessionStore(dir, () => NOW, 0);
    await store.load();
    // Each login builds its own principal object, as the strategies do.
    await store.put(sessionRecord(1, NOW, { principal: userPrincipal('alice'), userAgent: `ua ${'x'.repeat(3)}` }));
    await store.put(sessionRecord(2, NOW, { principal: userPrincipal('alice'), userAgent: `ua ${'x'.repeat(3)}` }));
    await store.put(sessionRecord(3, NOW, { principal: userPrincipal('bob') }));
    const [a1, a2, b] = [1, 2, 3].map((n) => store.get(sessionRecord(n, NOW).id)!);
    expect(a1!.principal).toBe(a2!.principal);
    expect(a1!.principal).not.toBe(b!.principal);
    expect(a1!.principal).toEqual(userPrincipal('alice'));
    await store.close();

    const again = new FileSessionStore(dir, () => NOW, 0);
    await again.load();
    const [r1, r2, r3] = [1, 2, 3].map((n) => again.get(sessionRecord(n, NOW).id)!);
    expect(r1!.principal).toBe(r2!.principal);
    expect(r1!.principal).not.toBe(r3!.principal);
    expect(r1!.amr).toBe(r3!.amr);
    await again.close();
  });

  it('keeps principals that differ in any field apart (a role change is a different principal)', async () => {
    const store = new FileSessionStore(dir, () => NOW, 0);
    await store.load();
    await store.put(sessionRecord(1, NOW, { principal: userPrincipal('alice') }));
    await store.put(sessionRecord(2, NOW, { principal: { ...userPrincipal('alice'), role: 'admin' } }));
    expect(store.get(sessionRecord(2, NOW).id)!.principal.role).toBe('admin');
    expect(store.get(sessionRecord(1, NOW).id)!.principal.role).toBe('viewer');
    await store.close();
  });
});
