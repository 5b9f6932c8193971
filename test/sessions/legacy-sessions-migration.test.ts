import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidDocumentError } from '../../config/document-store.js';
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import { sessionRecord } from '../support/session-records.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;

const exists = (file: string) => access(file).then(() => true, () => false);

describe('sessions.json from before the journal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-sessions-migrate-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('migrates at first load: live sessions kept (last seen too), expired dropped, old file removed, restart keeps them', async () => {
    const live = [sessionRecord(1, NOW, { lastSeenAt: NOW + 5 }), sessionRecord(2, NOW, { pending: 'second_factor' })];
    const expired = sessionRecord(3, NOW - 30 * HOUR);
    await writeFile(join(dir, 'sessions.json'), JSON.stringify({ version: 1, sessions: [...live, expired] }));

    const store = new FileSessionStore(dir, () => NOW + HOUR, 0);
    await store.load();
    expect(store.get(live[0]!.id)).toEqual(live[0]);
    expect(store.get(live[1]!.id)?.pending).toBe('second_factor');
    expect(store.get(expired.id)).toBeUndefined();
    expect(await exists(join(dir, 'sessions.json'))).toBe(false);
    await store.close();

    const again = new FileSessionStore(dir, () => NOW + HOUR, 0);
    await again.load();
    expect([...again.all()]).toEqual(live);
    expect(await readFile(join(dir, 'sessions.journal'), 'utf8')).toMatch(/^\{"journal":"gatehouse-sessions","version":1\}\n/);
    await again.close();
  });

  it('refuses to start on an unreadable sessions.json rather than sign everyone out, and keeps it', async () => {
    await writeFile(join(dir, 'sessions.json'), '{"version":1,"sessions":[{"id":');
    const store = new FileSessionStore(dir, () => NOW, 0);
    await expect(store.load()).rejects.toThrow(InvalidDocumentError);
    await expect(store.load()).rejects.toThrow(/sessions\.json is invalid:\n {2}\(root\): not valid JSON/);
    expect(await exists(join(dir, 'sessions.json'))).toBe(true);
    expect(await exists(join(dir, 'sessions.journal'))).toBe(false);
  });

  it('names the bad session in a sessions.json that parses but does not validate', async () => {
    await writeFile(join(dir, 'sessions.json'), JSON.stringify({ version: 1, sessions: [sessionRecord(1, NOW), { ...sessionRecord(2, NOW), mode: 'root' }] }));
    const store = new FileSessionStore(dir, () => NOW, 0);
    await expect(store.load()).rejects.toThrow(/sessions\[1\]\.mode: /);
  });
});
