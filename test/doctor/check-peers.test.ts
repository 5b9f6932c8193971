/**
 * The doctor's record of check peers stays small whatever arrives: at most 64 peers
 * (the least recently connected go first), 16 hosts per peer, counts in windows that
 * age out. Driven by real connections from distinct loopback addresses.
 */
import { createServer, Agent, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckPeers, WINDOW_MS } from '../../src/doctor/check-peers.js';
import { rawCheck } from '../support/raw-check.js';

describe('CheckPeers', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    server = undefined;
  });

  async function listen(peers: CheckPeers): Promise<number> {
    server = createServer((req, res) => {
      peers.seen(req, 'forward-auth');
      res.end();
    });
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    return (server.address() as { port: number }).port;
  }

  const headers = (host: string) => ({ 'x-forwarded-proto': 'https', 'x-forwarded-host': host, 'x-forwarded-uri': '/', 'x-forwarded-method': 'GET', 'x-forwarded-for': '203.0.113.1' });

  it('peer-table-exhaustion: 70 peers leave 64, the least recently connected dropped', async () => {
    const peers = new CheckPeers();
    const port = await listen(peers);
    for (let n = 1; n <= 70; n++) {
      const agent = new Agent({ keepAlive: false, localAddress: `127.0.0.${n + 1}` } as ConstructorParameters<typeof Agent>[0]);
      await rawCheck(port, headers('app.example.com'), { agent });
      agent.destroy();
    }
    const ips = peers.list().map((p) => p.ip);
    expect(ips).toHaveLength(64);
    expect(ips).not.toContain('127.0.0.2');
    expect(ips).not.toContain('127.0.0.7');
    expect(ips).toContain('127.0.0.8');
    expect(ips).toContain('127.0.0.71');
  });

  it('host-set-exhaustion: at most 16 hosts per peer, and counts stay exact', async () => {
    const peers = new CheckPeers();
    const port = await listen(peers);
    // A new connection each time: a connection's first checks are always sampled.
    const agent = new Agent({ keepAlive: false });
    for (let n = 0; n < 30; n++) await rawCheck(port, headers(`h${n}.example.com`), { agent });
    agent.destroy();
    const [peer] = peers.list();
    expect(peer!.window.hosts.size).toBe(16);
    expect(peer!.window.requests).toBe(30);
  });

  it('counts age out: a peer unseen for two windows disappears, an older window is dropped', async () => {
    const clock = { now: 1_000_000 };
    const peers = new CheckPeers(() => clock.now);
    const port = await listen(peers);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await rawCheck(port, headers('app.example.com'), { agent });
    clock.now += WINDOW_MS + 1;
    await rawCheck(port, headers('app.example.com'), { agent });
    const [peer] = peers.list();
    expect(peer!.previous?.requests).toBe(1);
    expect(peer!.window.requests).toBe(1);
    agent.destroy();
    clock.now += 2 * WINDOW_MS + 1;
    expect(peers.list()).toEqual([]);
  });
});
