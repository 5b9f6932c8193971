import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidDocumentError } from '../../config/document-store.js';
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import { waitForExit } from '../support/child-process.js';
import { sessionRecord } from '../support/session-records.js';
import { spawnTokenModeServer } from '../support/token-mode-server.js';

const NOW = Date.now();

describe('sessions journal: a damaged record before the end', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-journal-corrupt-'));
    file = join(dir, 'sessions.journal');
    const store = new FileSessionStore(dir, () => NOW, 0);
    await store.load();
    for (let i = 0; i < 4; i++) await store.put(sessionRecord(i, NOW));
    await store.close();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function damageLine(number: number, replace: (line: string) => string): Promise<void> {
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[number - 1] = replace(lines[number - 1]!);
    await writeFile(file, lines.join('\n'));
  }

  it('refuses to load, naming the file and the line, and leaves the file as it was', async () => {
    await damageLine(3, (line) => line.replace('"secretHash":"', '"secretHash":"zz'));
    const before = await readFile(file, 'utf8');
    const store = new FileSessionStore(dir, () => NOW, 0);
    const error = await store.load().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidDocumentError);
    expect((error as InvalidDocumentError).file).toBe(file);
    expect((error as InvalidDocumentError).problems[0]).toMatch(/^line 3: not a session journal entry \(put\.secretHash: /);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('never echoes the damaged line, which holds a secret hash', async () => {
    const secretHash = sessionRecord(1, NOW).secretHash;
    await damageLine(3, (line) => line.slice(0, line.indexOf(secretHash) + 70));
    const store = new FileSessionStore(dir, () => NOW, 0);
    const error = (await store.load().then(() => null, (e: unknown) => e)) as InvalidDocumentError;
    expect(error.problems[0]).toMatch(/^line 3: not valid JSON/);
    expect(error.message).not.toContain(secretHash.slice(0, 16));
  });

  it('makes the server refuse to start with the path and the line', async () => {
    await damageLine(2, () => '{"put":{"id":');
    const child = await spawnTokenModeServer(dir);
    const result = await waitForExit(child, 25_000);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toContain('refuses to start');
    expect(result.stderr).toContain(`${file}: line 2: not valid JSON`);
  });
});
