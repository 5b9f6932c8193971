import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../config/config-store.js';
import { InvalidDocumentError } from '../../config/document-store.js';
import type { Config } from '../../config/schema.js';
import { createAppFixture, forwardAuthHeaders, type AppFixture } from '../support/app-fixture.js';

const BASE = { version: 1, mode: 'open', domains: ['example.com'] };

function nextEvent<K extends 'change' | 'invalid'>(store: ConfigStore, event: K, timeoutMs = 5_000): Promise<K extends 'change' ? Config : InvalidDocumentError> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event within ${timeoutMs} ms`)), timeoutMs);
    store.once(event, ((value: unknown) => {
      clearTimeout(timer);
      resolve(value as K extends 'change' ? Config : InvalidDocumentError);
    }) as never);
  });
}

describe('ConfigStore', () => {
  let dir: string;
  let store: ConfigStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-config-'));
  });
  afterEach(async () => {
    store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function openWith(doc: object | null): Promise<ConfigStore> {
    if (doc) await writeFile(join(dir, 'config.json'), JSON.stringify(doc));
    store = new ConfigStore({ dataDir: dir, portalUrl: 'https://auth.example.com' });
    await store.open();
    return store;
  }

  it('creates a first-run open-mode config when none exists', async () => {
    await openWith(null);
    expect(store.current.mode).toBe('open');
    expect(store.current.domains).toEqual(['example.com']);
    const onDisk = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(onDisk).toEqual(store.current);
  });

  it('refuses to open an invalid file, naming the file and the field', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...BASE, defaultPolicy: 'allow' }));
    store = new ConfigStore({ dataDir: dir });
    const error = await store.open().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidDocumentError);
    expect((error as InvalidDocumentError).file).toBe(join(dir, 'config.json'));
    expect((error as InvalidDocumentError).problems).toEqual([expect.stringMatching(/^defaultPolicy: /)]);
  });

  it('an invalid update throws and changes neither memory nor disk', async () => {
    await openWith(BASE);
    const before = await readFile(join(dir, 'config.json'), 'utf8');
    const current = store.current;
    await expect(store.update((c) => ({ ...c, domains: ['Not A Host'] }))).rejects.toThrow(InvalidDocumentError);
    expect(store.current).toBe(current);
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe(before);
  });

  it('100 concurrent updates each appending a rule all survive, in memory and on disk', async () => {
    await openWith(BASE);
    const changes: Config[] = [];
    store.on('change', (c) => changes.push(c));
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => store.update((c) => ({ ...c, rules: [...c.rules, { name: `r${i}`, domain: `h${i}.example.com`, policy: 'bypass' as const }] }))),
    );
    const names = (rules: Config['rules']) => rules.map((r) => r.name).sort();
    const expected = Array.from({ length: 100 }, (_, i) => `r${i}`).sort();
    expect(store.current.rules).toHaveLength(100);
    expect(names(store.current.rules)).toEqual(expected);
    const onDisk = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Config;
    expect(onDisk.rules).toHaveLength(100);
    expect(names(onDisk.rules)).toEqual(expected);
    expect(changes.at(-1)?.rules).toHaveLength(100);
  });

  it('an update starts from the file on disk, so an edit by another process is not lost', async () => {
    await openWith(BASE);
    // Another writer (the CLI) adds a rule behind the store's back.
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...BASE, rules: [{ name: 'cli', domain: 'a.example.com', policy: 'deny' }] }));
    await store.update((c) => ({ ...c, rules: [...c.rules, { name: 'ui', domain: 'b.example.com', policy: 'bypass' }] }));
    expect(store.current.rules.map((r) => r.name)).toEqual(['cli', 'ui']);
  });

  describe('watching hand edits', () => {
    it('refuses garbage: an invalid event with the file, the last good config kept', async () => {
      await openWith({ ...BASE, defaultPolicy: 'deny' });
      const before = store.current;
      store.watch();
      const invalid = nextEvent(store, 'invalid');
      await writeFile(join(dir, 'config.json'), '{ "version": 1, "mode": "tok');
      const error = await invalid;
      expect(error).toBeInstanceOf(InvalidDocumentError);
      expect(error.file).toBe(join(dir, 'config.json'));
      expect(error.problems.join('\n')).toMatch(/not valid JSON/);
      expect(store.current).toBe(before);
      expect(store.current.defaultPolicy).toBe('deny');
    });

    it('refuses a schema-invalid edit with the field path, the last good config kept', async () => {
      await openWith(BASE);
      const before = store.current;
      store.watch();
      const invalid = nextEvent(store, 'invalid');
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ...BASE, mode: 'oauth2', trustedProxies: ['10.0.0.0/99'] }));
      const error = await invalid;
      expect(error.file).toBe(join(dir, 'config.json'));
      expect(error.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^oauth2: /), expect.stringMatching(/^trustedProxies\.0: /)]));
      expect(store.current).toBe(before);
      expect(store.current.mode).toBe('open');
    });

    it('applies a valid edit after an invalid one', async () => {
      await openWith(BASE);
      store.watch();
      const invalid = nextEvent(store, 'invalid');
      await writeFile(join(dir, 'config.json'), 'not json');
      await invalid;
      const change = nextEvent(store, 'change');
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ...BASE, defaultPolicy: 'two_factor' }));
      expect((await change).defaultPolicy).toBe('two_factor');
      expect(store.current.defaultPolicy).toBe('two_factor');
    });
  });
});

describe('hand edit switching modes, through the RuntimeHolder', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('a check after an open → token switch in config.json redirects to the portal', async () => {
    fx = await createAppFixture({ mode: 'open' });
    const ask = () => fx.app.inject({ method: 'GET', url: '/api/authz/forward-auth', headers: { ...forwardAuthHeaders('https://app.example.com/x'), accept: 'text/html' }, remoteAddress: '127.0.0.1' });
    expect((await ask()).statusCode).toBe(200);

    fx.store.watch();
    const change = nextEvent(fx.store, 'change');
    await writeFile(fx.store.file, JSON.stringify({ ...BASE, mode: 'token', token: { hash: 'a'.repeat(64) } }));
    expect((await change).mode).toBe('token');

    const res = await ask();
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`https://auth.example.com/login?rd=${encodeURIComponent('https://app.example.com/x')}&rm=GET`);
    const health = await fx.app.inject({ method: 'GET', url: '/api/health' });
    expect(health.json()).toEqual({ status: 'ok', mode: 'token' });
  });

  it('an invalid hand edit leaves the running mode in force', async () => {
    fx = await createAppFixture({ mode: 'open' });
    fx.store.watch();
    const invalid = nextEvent(fx.store, 'invalid');
    await writeFile(fx.store.file, JSON.stringify({ ...BASE, mode: 'oauth2' }));
    await invalid;
    const res = await fx.app.inject({ method: 'GET', url: '/api/authz/forward-auth', headers: forwardAuthHeaders('https://app.example.com/x'), remoteAddress: '127.0.0.1' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['remote-user']).toBe('open');
  });
});
