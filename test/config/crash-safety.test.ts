import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeConfig } from '../../config/config-store.js';
import { crashConfigs, crashDocuments } from '../support/crash-documents.js';
import { killMidRun } from '../support/child-process.js';

const ROUNDS = 5;

/** Starts the writer, lets it run a little, SIGKILLs it mid-loop. */
async function killMidWrite(how: 'atomic' | 'store', dataDir: string, delayMs: number): Promise<void> {
  const result = await killMidRun('test/support/crash-writer.ts', [how, dataDir], 'wrote', delayMs);
  expect(result.signal).toBe('SIGKILL');
}

describe('crash safety: a writer killed with SIGKILL mid-write', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-crash-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it(`writeFileAtomic leaves one complete document after each of ${ROUNDS} kills`, async () => {
    const docs = crashDocuments();
    const file = join(dir, 'doc.json');
    const seen = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      await killMidWrite('atomic', dir, 20 + round * 37);
      const text = await readFile(file, 'utf8');
      expect(() => JSON.parse(text)).not.toThrow();
      expect(docs).toContain(text);
      seen.add(text);
    }
    expect(seen.size).toBeGreaterThan(0);
  });

  it(`config store updates leave a valid config equal to one of the documents after each of ${ROUNDS} kills`, async () => {
    const configs = crashConfigs().map((c) => JSON.stringify(c));
    for (let round = 0; round < ROUNDS; round++) {
      // A fresh dir each round: a killed writer leaves its cross-process lock behind until it goes stale.
      const dataDir = await mkdtemp(join(dir, 'store-'));
      await killMidWrite('store', dataDir, 15 + round * 41);
      const text = await readFile(join(dataDir, 'config.json'), 'utf8');
      const config = decodeConfig(JSON.parse(text), 'config.json');
      expect(configs).toContain(JSON.stringify(config));
    }
  });
});
