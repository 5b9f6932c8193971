import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../config/config-store.js';
import type { Config } from '../../config/schema.js';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { TOKEN_MODE } from '../support/portal.js';

/**
 * Listeners (the runtime, session revocation on account changes) act on each
 * `change` event's (next, previous) pair. With updates queued behind each
 * other, `previous` must be the document each update actually replaced, or a
 * change that undoes an earlier one in the same burst goes unnoticed.
 */
describe('change events under concurrent updates', () => {
  let dir: string | undefined;
  let fx: AppFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('each change event pairs the new document with the one it replaced', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-events-'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ version: 1, mode: 'open', domains: ['example.com'] }));
    const store = new ConfigStore({ dataDir: dir });
    await store.open();
    const events: Array<[Config['defaultPolicy'], Config['defaultPolicy']]> = [];
    store.on('change', (next, previous) => events.push([previous.defaultPolicy, next.defaultPolicy]));
    await Promise.all([
      store.update((c) => ({ ...c, defaultPolicy: 'deny' })),
      store.update((c) => ({ ...c, defaultPolicy: 'two_factor' })),
      store.update((c) => ({ ...c, defaultPolicy: 'one_factor' })),
    ]);
    expect(events).toEqual([
      ['one_factor', 'deny'],
      ['deny', 'two_factor'],
      ['two_factor', 'one_factor'],
    ]);
    store.close();
  });

  it('a switch to token and straight back to open leaves open mode in force', async () => {
    fx = await createAppFixture({ mode: 'open' });
    const store = fx.store;
    await Promise.all([
      store.update((c) => ({ ...c, ...TOKEN_MODE })),
      store.update(({ token: _token, ...c }) => ({ ...c, mode: 'open' as const })),
    ]);
    expect(store.current.mode).toBe('open');
    const health = await fx.app.inject({ method: 'GET', url: '/api/health' });
    expect(health.json()).toMatchObject({ mode: 'open' });
  });
});
