import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateConfig, MigrationError } from '../../config/migrations.js';
import { CONFIG_VERSION } from '../../config/schema.js';
import { ConfigStore, decodeConfig } from '../../config/config-store.js';
import { InvalidDocumentError } from '../../config/document-store.js';

describe('config migrations', () => {
  it('treats a file without version as version 0 and brings it to the current version', () => {
    const result = migrateConfig({ mode: 'open', domains: ['example.com'] });
    expect(result.migrated).toBe(true);
    expect(result.value).toEqual({ mode: 'open', domains: ['example.com'], version: CONFIG_VERSION });
  });

  it('leaves a current document as it is', () => {
    const doc = { version: CONFIG_VERSION, mode: 'open' };
    expect(migrateConfig(doc)).toEqual({ value: doc, migrated: false });
  });

  it('refuses a document from a newer Gatehouse', () => {
    expect(() => migrateConfig({ version: CONFIG_VERSION + 1, mode: 'open' })).toThrow(MigrationError);
    expect(() => decodeConfig({ version: CONFIG_VERSION + 1, mode: 'open' }, 'config.json')).toThrow(InvalidDocumentError);
    try {
      decodeConfig({ version: 99, mode: 'open' }, 'config.json');
    } catch (error) {
      expect((error as InvalidDocumentError).problems[0]).toMatch(/^version: .*newer/);
    }
  });

  it('passes non-objects and non-integer versions to the schema to refuse', () => {
    expect(migrateConfig([1, 2]).migrated).toBe(false);
    expect(() => decodeConfig({ version: '1', mode: 'open' }, 'config.json')).toThrow(InvalidDocumentError);
  });

  describe('through the store', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'gatehouse-migrate-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('opens a version-less hand-written config and writes the migrated document on the next update', async () => {
      await writeFile(join(dir, 'config.json'), JSON.stringify({ mode: 'open', domains: ['example.com'], rules: [{ domain: 'a.example.com', policy: 'bypass' }] }));
      const store = new ConfigStore({ dataDir: dir });
      const config = await store.open();
      expect(config.version).toBe(CONFIG_VERSION);
      expect(config.rules).toHaveLength(1);
      await store.update((c) => ({ ...c, defaultPolicy: 'deny' }));
      const onDisk = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
      expect(onDisk.version).toBe(CONFIG_VERSION);
      expect(onDisk.defaultPolicy).toBe('deny');
      store.close();
    });
  });
});
