import pino from 'pino';
import type { Configuration } from 'openid-client';
import { describe, expect, it } from 'vitest';
import { DiscoveryError, type Discover } from '../../src/oidc/discover.js';
import { ProviderConnection } from '../../src/oidc/provider-connection.js';
import { ManualTimers } from '../support/manual-timers.js';

const SETTINGS = { issuerUrl: 'https://idp.example.com', clientId: 'gatehouse' };
const fakeConfiguration = { serverMetadata: () => ({ issuer: SETTINGS.issuerUrl, jwks_uri: 'https://idp.example.com/jwks' }) } as unknown as Configuration;

function connection(discover: Discover, clock = { now: 0 }) {
  const timers = new ManualTimers(clock);
  const conn = new ProviderConnection(SETTINGS, { log: pino({ level: 'silent' }), now: () => clock.now, timers, backoff: { initialMs: 1_000, maxMs: 60_000, onDemandMinIntervalMs: 5_000 }, discover });
  return { conn, timers, clock };
}

describe('provider discovery with backoff', () => {
  it('retries after 1s, 2s, 4s … capped at 60s, and is ready once the provider answers', async () => {
    let up = false;
    let calls = 0;
    const { conn, timers } = connection(async () => {
      calls++;
      if (!up) throw new DiscoveryError('unreachable', 'cannot connect: ECONNREFUSED');
      return fakeConfiguration;
    });
    conn.start();
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      await timers.settle();
      expect(conn.status()).toMatchObject({ state: 'unreachable', reason: 'unreachable', attempts: i + 1 });
      delays.push(timers.pendingDelay()!);
      await timers.fireNext();
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    up = true;
    await timers.settle();
    await timers.fireNext();
    await timers.settle();
    expect(conn.status().state).toBe('ready');
    expect(conn.ready()?.configuration).toBe(fakeConfiguration);
    expect(timers.pendingDelay()).toBeUndefined();
    expect(calls).toBe(11);
  });

  it('a user clicking sign-in triggers an early attempt, at most every 5s', async () => {
    let calls = 0;
    const { conn, clock, timers } = connection(async () => {
      calls++;
      throw new DiscoveryError('timeout', 'no answer');
    });
    conn.start();
    await timers.settle();
    expect(calls).toBe(1);
    expect(await conn.ensure()).toBeNull();
    expect(calls).toBe(1);
    clock.now += 5_000;
    expect(await conn.ensure()).toBeNull();
    expect(calls).toBe(2);
  });

  it('close() stops retrying', async () => {
    const { conn, timers } = connection(async () => {
      throw new DiscoveryError('unreachable', 'down');
    });
    conn.start();
    await timers.settle();
    conn.close();
    expect(timers.pendingDelay()).toBeUndefined();
  });
});
