import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/constant-time.js';
import { systemRandom } from '../../src/crypto/random.js';
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import { SessionManager, type NewSession } from '../../src/sessions/session-manager.js';
import { TOKEN_PRINCIPAL } from '../../strategies/token.js';

const HOUR = 3_600_000;
const INPUT: NewSession = { mode: 'token', principal: TOKEN_PRINCIPAL, amr: ['tok'], acr: 'aal2', mfaAt: null, ip: '203.0.113.7', userAgent: 'ua' };

describe('SessionManager with the file store', () => {
  let dir: string;
  let clock: { now: number };
  let store: FileSessionStore;
  let sessions: SessionManager;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-sessions-'));
    clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    store = new FileSessionStore(dir, () => clock.now, 0);
    await store.load();
    sessions = new SessionManager(store, { now: () => clock.now, random: systemRandom, timeouts: () => ({ ttlMs: 24 * HOUR, idleMs: 2 * HOUR }) });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('issues an id.secret cookie of 128 + 256 bits and stores only the secret hash', async () => {
    const { cookieValue, record } = await sessions.create(INPUT);
    const [id, secret] = cookieValue.split('.') as [string, string];
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(record.id).toBe(id);
    expect(record.secretHash).toBe(sha256Hex(secret));
    expect(record.expiresAt - record.createdAt).toBe(24 * HOUR);
    const onDisk = await readFile(join(dir, 'sessions.journal'), 'utf8');
    expect(onDisk).toContain(id);
    expect(onDisk).not.toContain(secret);
  });

  it('every login gets a new id and secret', async () => {
    const values = new Set<string>();
    for (let i = 0; i < 20; i++) values.add((await sessions.create(INPUT)).cookieValue.split('.')[0]!);
    expect(values.size).toBe(20);
  });

  it('verify() returns the record for the right cookie and mode only', async () => {
    const { cookieValue } = await sessions.create(INPUT);
    expect(sessions.verify(cookieValue, 'token')?.principal).toEqual(TOKEN_PRINCIPAL);
    expect(sessions.verify(cookieValue, 'open')).toBeNull();
    expect(sessions.verify(`${cookieValue.split('.')[0]}.${'B'.repeat(43)}`, 'token')).toBeNull();
  });

  it('revoke() and revokeWhere() end sessions', async () => {
    const a = await sessions.create(INPUT);
    const b = await sessions.create({ ...INPUT, ip: '198.51.100.1' });
    await sessions.revoke(a.record.id);
    expect(sessions.verify(a.cookieValue, 'token')).toBeNull();
    expect(sessions.verify(b.cookieValue, 'token')).not.toBeNull();
    expect(await sessions.revokeWhere((s) => s.ip === '198.51.100.1')).toBe(1);
    expect(sessions.verify(b.cookieValue, 'token')).toBeNull();
    expect(sessions.list()).toHaveLength(0);
  });

  it('ownedId() needs the full cookie, and works even on an expired session (for logout)', async () => {
    const { cookieValue, record } = await sessions.create(INPUT);
    clock.now += 25 * HOUR;
    expect(sessions.verify(cookieValue, 'token')).toBeNull();
    expect(sessions.ownedId(cookieValue)).toBe(record.id);
    expect(sessions.ownedId(`${record.id}.${'C'.repeat(43)}`)).toBeNull();
  });

  it('sessions and their last activity survive a restart', async () => {
    const { cookieValue, record } = await sessions.create(INPUT);
    clock.now += HOUR;
    expect(sessions.verify(cookieValue, 'token')).not.toBeNull();
    await store.close();

    const again = new FileSessionStore(dir, () => clock.now, 0);
    await again.load();
    expect(again.get(record.id)?.lastSeenAt).toBe(clock.now);
    const manager = new SessionManager(again, { now: () => clock.now, random: systemRandom, timeouts: () => ({ ttlMs: 24 * HOUR, idleMs: 2 * HOUR }) });
    clock.now += 90 * 60_000;
    expect(manager.verify(cookieValue, 'token')).not.toBeNull();
    await again.close();
  });

  it('refuses to start on a corrupt sessions journal, naming it and the line', async () => {
    await sessions.create(INPUT);
    await store.close();
    const file = join(dir, 'sessions.journal');
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.splice(1, 0, '{ torn');
    await writeFile(file, lines.join('\n'));
    const broken = new FileSessionStore(dir, () => clock.now, 0);
    await expect(broken.load()).rejects.toThrow(/sessions\.journal is invalid:\n {2}line 2: not valid JSON/);
  });
});
