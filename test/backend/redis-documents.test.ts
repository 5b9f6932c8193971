import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../config/config-store.js';
import type { InvalidDocumentError } from '../../config/document-store.js';
import type { RedisConnection } from '../../src/backend/redis-connection.js';
import { RedisDocuments } from '../../src/backend/redis-documents.js';
import { redisSuite } from '../support/redis-suite.js';
import { startTcpCut } from '../support/tcp-cut.js';

/** Two replicas' worth of config stores over one real Redis, each with its own connection. */
describe('Redis documents (revisioned, shared by replicas)', () => {
  const redis = redisSuite('gh-docs');

  /** A config store over its own connection, watching; closed after the suite. */
  async function configOn(connection: RedisConnection, options: { resyncMs?: number } = {}): Promise<ConfigStore> {
    const store = new ConfigStore({ dataDir: '/nonexistent', documents: new RedisDocuments(connection, options) });
    await store.open();
    store.watch();
    redis.onClose(() => store.close());
    return store;
  }

  async function replicas(count: number, options: { resyncMs?: number } = {}): Promise<{ stores: ConfigStore[]; admin: RedisConnection }> {
    const prefix = redis.freshPrefix();
    const opened: ConfigStore[] = [];
    let admin: RedisConnection | undefined;
    for (let i = 0; i < count; i++) {
      admin = await redis.connect({ prefix });
      opened.push(await configOn(admin, options));
    }
    return { stores: opened, admin: admin! };
  }

  function next<K extends 'change' | 'invalid'>(store: ConfigStore, event: K): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} event`)), 5_000);
      store.once(event, ((value: unknown) => {
        clearTimeout(timer);
        resolve(value);
      }) as never);
    });
  }

  it('a change written by one replica is put in force on the other through the notice', async () => {
    const { stores: [a, b] } = await replicas(2);
    const changed = next(b!, 'change');
    await a!.update((c) => ({ ...c, domains: ['example.com', 'example.org'] }));
    await changed;
    expect(b!.current.domains).toEqual(['example.com', 'example.org']);
  });

  it('two writers on two connections, racing, lose none of each other\'s changes', async () => {
    const { stores: [a, b] } = await replicas(2);
    const add = (store: ConfigStore, host: string) => store.update((c) => ({ ...c, domains: [...c.domains, host] }));
    await Promise.all(Array.from({ length: 15 }, (_, i) => [add(a!, `a${i}.example.net`), add(b!, `b${i}.example.net`)]).flat());
    await a!.reload();
    const domains = a!.current.domains;
    for (let i = 0; i < 15; i++) expect(domains).toEqual(expect.arrayContaining([`a${i}.example.net`, `b${i}.example.net`]));
    expect(domains).toHaveLength(31);
  });

  it('an update that read a revision another replica has since replaced runs again on the latest document', async () => {
    const { stores: [a, b] } = await replicas(2);
    const start = a!.current.domains;
    const seen: string[][] = [];
    await a!.update(async (c) => {
      seen.push(c.domains);
      // B writes between A's read and A's compare-and-set, once.
      if (seen.length === 1) await b!.update((d) => ({ ...d, domains: [...d.domains, 'b.example.net'] }));
      return { ...c, domains: [...c.domains, 'a.example.net'] };
    });
    expect(seen).toEqual([start, [...start, 'b.example.net']]);
    expect(a!.current.domains).toEqual([...start, 'b.example.net', 'a.example.net']);
    await expect.poll(() => b!.current.domains).toEqual([...start, 'b.example.net', 'a.example.net']);
  });

  it('a bad value written by hand into Redis is refused with the invalid event and the last good one kept', async () => {
    const { stores: [a], admin } = await replicas(1);
    await a!.update((c) => ({ ...c, defaultPolicy: 'deny' }));
    const key = admin.key('doc', 'config');
    const documents = a!.documents as RedisDocuments;

    const refusedJson = next(a!, 'invalid');
    await admin.client.hset(key, 'json', '{"version":1,"mode":"open","domains":["example.com"],"defaultPolicy":"allow"}');
    await admin.client.publish(documents.channel, 'config.json');
    expect(((await refusedJson) as InvalidDocumentError).problems).toEqual([expect.stringMatching(/^defaultPolicy: /)]);
    expect(a!.current.defaultPolicy).toBe('deny');

    const refusedType = next(a!, 'invalid');
    await admin.client.del(key);
    await admin.client.set(key, '{"version":1,"mode":"open"}');
    await admin.client.publish(documents.channel, 'config.json');
    expect(((await refusedType) as InvalidDocumentError).problems[0]).toMatch(/not a Gatehouse document/);
    expect(a!.current.defaultPolicy).toBe('deny');
    // Writing over a corrupt value is refused too: nothing is built on a document no one could read.
    await expect(a!.update((c) => ({ ...c, defaultPolicy: 'one_factor' }))).rejects.toThrow(/not a Gatehouse document/);
    expect(await admin.client.type(key)).toBe('string');
  });

  it('a change whose notice was missed is caught by the periodic resync', async () => {
    const { stores: [a], admin } = await replicas(1, { resyncMs: 200 });
    const changed = next(a!, 'change');
    // Written straight into Redis, without a notice.
    await admin.client.hset(admin.key('doc', 'config'), 'rev', '99', 'json', JSON.stringify({ ...a!.current, domains: ['example.org'] }));
    await changed;
    expect(a!.current.domains).toEqual(['example.org']);
  });

  it('after an outage, a change published while the replica could not hear it is applied as soon as Redis answers again', async () => {
    const { port } = new URL(redis.server.url);
    const relay = await startTcpCut(Number(port));
    redis.onClose(() => relay.close());
    const prefix = redis.freshPrefix();
    const connection = await redis.connect({ prefix, url: `redis://127.0.0.1:${relay.port}/0` });
    const admin = await redis.connect({ prefix });
    // A resync period far longer than the test: only the reconnect can bring the change in.
    const replica = await configOn(connection, { resyncMs: 3_600_000 });
    const writer = await configOn(admin);
    // Notices reach the replica before the outage: it is subscribed.
    const heard = next(replica, 'change');
    await writer.update((c) => ({ ...c, domains: ['before-the-outage.example.com'] }));
    await heard;
    const down = new Promise((resolve) => connection.once('down', resolve));
    relay.cut();
    await down;
    await writer.update((c) => ({ ...c, domains: ['during-the-outage.example.com'] }));
    expect(replica.current.domains).not.toEqual(['during-the-outage.example.com']);

    const changed = next(replica, 'change');
    relay.restore();
    await changed;
    expect(replica.current.domains).toEqual(['during-the-outage.example.com']);
  });
});
