import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../config/config-store.js';
import { InvalidDocumentError } from '../../config/document-store.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { importDataDirOnce } from '../../src/backend/document-import.js';
import { RedisDocuments } from '../../src/backend/redis-documents.js';
import { sharedDocuments } from '../../src/backend/shared-documents.js';
import { gatehouse } from '../support/cli.js';
import { redisSuite } from '../support/redis-suite.js';

/** A logger whose lines a test can read. */
function capturedLog(): { log: pino.Logger; lines: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines: () => text };
}

describe('importing the data dir into Redis, once', () => {
  const redis = redisSuite('gh-import');

  async function documents(): Promise<{ documents: RedisDocuments; prefix: string }> {
    const connection = await redis.connect();
    return { documents: new RedisDocuments(connection), prefix: connection.settings.prefix };
  }

  async function dataDir(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'gh-import-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return dir;
  }

  async function importFrom(target: RedisDocuments, dir: string, log = capturedLog().log): Promise<boolean> {
    return importDataDirOnce({ documents: target, dataDir: dir, shared: sharedDocuments(), log, audit: new AuditLog(dir) });
  }

  it('an invalid document in the data dir stops the import: nothing half-imported, Redis still empty', async () => {
    const { documents: target } = await documents();
    const dir = await dataDir({
      'config.json': JSON.stringify({ version: 1, mode: 'open', domains: ['example.com'] }),
      'users.json': '{"version":1,"users":[{"username":"bob"}]}',
    });
    const error = await importFrom(target, dir).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidDocumentError);
    expect((error as InvalidDocumentError).file).toBe(join(dir, 'users.json'));
    expect(await target.redis.client.exists(target.stateKey, target.keyOf('config.json'))).toBe(0);
  });

  it('once a replica has written to Redis, a data dir that arrives later is not imported, and the warning says Redis wins', async () => {
    const { documents: target } = await documents();
    const first = new ConfigStore({ dataDir: '/nonexistent', documents: target });
    await first.open();
    await first.update((c) => ({ ...c, domains: ['example.org'] }));
    const dir = await dataDir({ 'config.json': JSON.stringify({ version: 1, mode: 'open', domains: ['example.com'] }) });
    const { log, lines } = capturedLog();
    expect(await importFrom(target, dir, log)).toBe(false);
    expect(lines()).toMatch(/config\.json differ from the shared state in Redis; Redis wins/);
    const again = new ConfigStore({ dataDir: '/nonexistent', documents: target });
    expect((await again.open()).domains).toEqual(['example.org']);
  });

  it('a replica with an empty data dir that got to Redis first does not keep it in first-run open mode: the data dir is still imported and the replica follows', async () => {
    const { documents: target } = await documents();
    const early = new ConfigStore({ dataDir: '/nonexistent', documents: target });
    expect((await early.open()).mode).toBe('open');
    early.watch();
    const changed = new Promise((resolve) => early.once('change', resolve));
    const dir = await dataDir({ 'config.json': JSON.stringify({ version: 1, mode: 'token', domains: ['example.com'], token: { hash: 'a'.repeat(64) } }) });
    expect(await importFrom(target, dir)).toBe(true);
    await changed;
    expect(early.current.mode).toBe('token');
    early.close();
  });

  it('two imports racing against an empty Redis: exactly one imports', async () => {
    const { documents: target } = await documents();
    const dirs = await Promise.all(['example.com', 'example.net'].map((domain) => dataDir({ 'config.json': JSON.stringify({ version: 1, mode: 'open', domains: [domain] }) })));
    const results = await Promise.all(dirs.map((dir) => importFrom(target, dir)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const store = new ConfigStore({ dataDir: '/nonexistent', documents: target });
    expect((await store.open()).domains).toEqual([results[0] ? 'example.com' : 'example.net']);
  });

  it('gatehouse run first, against an empty Redis, imports its data dir (audited in the shared trail) and works on the imported state', async () => {
    const { prefix } = await documents();
    const env = { GATEHOUSE_REDIS_URL: redis.server.url, GATEHOUSE_REDIS_PREFIX: prefix };
    const dir = await dataDir({ 'config.json': JSON.stringify({ version: 1, mode: 'open', domains: ['imported.example.com'] }) });
    const got = await gatehouse(dir, ['config', 'get', 'domains'], '', env);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual(['imported.example.com']);
    expect(got.stderr).toMatch(/imported config\.json from the data dir/);
    const audited = await gatehouse(await dataDir({}), ['audit', '--event', 'backend.import', '--json'], '', env);
    expect(audited.stdout).toMatch(/"event":"backend.import"/);
  });

  it('gatehouse check with the Redis URL judges the config in Redis, and names its key when it is invalid', async () => {
    const { documents: target, prefix } = await documents();
    const store = new ConfigStore({ dataDir: '/nonexistent', documents: target });
    await store.open();
    const env = { GATEHOUSE_REDIS_URL: redis.server.url, GATEHOUSE_REDIS_PREFIX: prefix };
    const empty = await dataDir({});
    const ok = await gatehouse(empty, ['check'], '', env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^ok: open mode/);
    await target.redis.client.hset(target.keyOf('config.json'), 'json', '{"version":1,"mode":"open","domains":["example.com"],"defaultPolicy":"allow"}');
    const bad = await gatehouse(empty, ['check'], '', env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${prefix}doc:config: defaultPolicy:`);
  });
});
