import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ephemeralBackend } from '../../src/backend/ephemeral-backend.js';
import { systemRandom } from '../../src/crypto/random.js';
import { UsedStates } from '../../src/oidc/used-states.js';
import { ChallengeStore } from '../../src/passkeys/challenge-store.js';
import { redisReplicas } from '../support/redis-replicas.js';

/**
 * Attack: replay a single-use value (an OIDC callback, a WebAuthn answer) on
 * another replica than the one that spent it. Ceremonies started on one
 * replica must still finish on another.
 */
describe('OIDC states and WebAuthn challenges across replicas', () => {
  let world: Awaited<ReturnType<typeof redisReplicas>>;
  const clock = { now: Date.now() };
  const backend = (i: number) => ephemeralBackend(world.connections[i], () => clock.now);

  beforeAll(async () => {
    world = await redisReplicas(2);
  });
  afterAll(() => world.close());

  it('an OIDC state used on A is refused on B, and so is its nonce under another state', async () => {
    const a = new UsedStates(backend(0).oneTime('oidc'));
    const b = new UsedStates(backend(1).oneTime('oidc'));
    const flow = { state: '1.state-value', nonce: 'nonce-value' };
    expect(await a.consume(flow, clock.now + 600_000)).toBe(true);
    expect(await b.consume(flow, clock.now + 600_000)).toBe(false);
    expect(await a.consume(flow, clock.now + 600_000)).toBe(false);
    expect(await b.consume({ state: '1.other', nonce: flow.nonce }, clock.now + 600_000)).toBe(false);
    // Stored under a hash: Redis never holds the state itself.
    const keys = await world.connections[0]!.client.keys(`${world.prefix}once:oidc:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toContain('state-value');
  });

  it('a passkey ceremony started on A finishes on B, and its challenge is taken once', async () => {
    const a = new ChallengeStore({ now: () => clock.now, random: systemRandom, store: backend(0).oneTime('webauthn') });
    const b = new ChallengeStore({ now: () => clock.now, random: systemRandom, store: backend(1).oneTime('webauthn') });
    const issued = await a.issue({ ceremony: 'authentication', purpose: 'sign_in', userId: null, sessionId: null });
    const taken = await b.take(issued.ceremonyId);
    expect(taken).toEqual({ found: true, expired: false, pending: { ceremony: 'authentication', purpose: 'sign_in', userId: null, sessionId: null, challenge: issued.challenge, expiresAt: issued.expiresAt } });
    expect(await a.take(issued.ceremonyId)).toEqual({ found: false });
    expect(await b.take(issued.ceremonyId)).toEqual({ found: false });
  });

  it('a challenge expires in Redis by itself, and a late answer is told it expired', async () => {
    const a = new ChallengeStore({ now: () => clock.now, random: systemRandom, store: backend(0).oneTime('webauthn') });
    const issued = await a.issue({ ceremony: 'registration', purpose: 'register', userId: 'u1', sessionId: 's1' });
    const ttl = await world.connections[0]!.client.pttl(`${world.prefix}once:webauthn:${issued.ceremonyId}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(6 * 60_000);
    clock.now = issued.expiresAt + 1;
    expect(await a.take(issued.ceremonyId)).toMatchObject({ found: true, expired: true });
  });

  it('a value hand-written into Redis under a ceremony id answers nothing (the ceremony fails, closed)', async () => {
    const b = new ChallengeStore({ now: () => clock.now, random: systemRandom, store: backend(1).oneTime('webauthn') });
    const id = 'AAAAAAAAAAAAAAAAAAAAAAAA';
    for (const bad of ['not json', JSON.stringify({ challenge: 'c', ceremony: 'authentication', purpose: 'sign_in', userId: 'admin', sessionId: null, expiresAt: 'never' })]) {
      await world.connections[0]!.client.set(`${world.prefix}once:webauthn:${id}`, bad, 'PX', 60_000);
      expect(await b.take(id)).toEqual({ found: false });
    }
  });
});
