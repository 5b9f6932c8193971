import { describe, expect, it } from 'vitest';
import { UserPasswordStrategy } from '../../strategies/user-password.js';
import type { PasswordCheck, Principal, StrategyServices } from '../../strategies/types.js';

const ALICE: Principal = Object.freeze({ id: 'local:a1', username: 'alice', role: 'admin', groups: ['admin'], amr: ['pwd'], acr: 'aal1' });
const CTX = { clientIp: '203.0.113.7' };

function services(overrides: Partial<StrategyServices> = {}) {
  const calls: Array<[string, string, string]> = [];
  const state = { generation: 0, banned: false };
  const svc: StrategyServices = {
    async checkPassword(username, password, ip): Promise<PasswordCheck> {
      calls.push([username, password, ip]);
      if (state.banned) return { ok: false, reason: 'invalid' };
      return username === 'alice' && password === 'right password here' ? { ok: true, principal: ALICE } : { ok: false, reason: 'invalid' };
    },
    usersGeneration: () => state.generation,
    isBanned: () => state.banned,
    checkApiToken: () => null,
    ...overrides,
  } as StrategyServices;
  return { svc, calls, state };
}

describe('UserPasswordStrategy', () => {
  it('no credential is anonymous; a verified session passes through', async () => {
    const s = new UserPasswordStrategy(services().svc);
    expect(await s.authenticate({ kind: 'none' }, CTX)).toEqual({ outcome: 'anonymous' });
    expect(await s.authenticate({ kind: 'session', principal: ALICE }, CTX)).toEqual({ outcome: 'authenticated', principal: ALICE });
  });

  it('wrong Basic credentials are rejected with a Basic challenge; busy stays distinguishable for the operator', async () => {
    const { svc } = services({ checkPassword: async () => ({ ok: false, reason: 'busy' }) });
    expect(await new UserPasswordStrategy(services().svc).authenticate({ kind: 'basic', username: 'alice', password: 'nope' }, CTX)).toEqual({ outcome: 'rejected', challenge: 'basic', code: 'invalid_credentials' });
    expect(await new UserPasswordStrategy(svc).authenticate({ kind: 'basic', username: 'alice', password: 'x' }, CTX)).toMatchObject({ outcome: 'rejected', challenge: 'basic', code: 'busy' });
  });

  it('remembers a correct Basic pair for a minute, passing the client IP to the check', async () => {
    const clock = { now: 1_000_000 };
    const { svc, calls } = services();
    const s = new UserPasswordStrategy(svc, () => clock.now);
    const basic = { kind: 'basic' as const, username: 'alice', password: 'right password here' };
    expect(await s.authenticate(basic, CTX)).toEqual({ outcome: 'authenticated', principal: ALICE });
    expect(await s.authenticate(basic, CTX)).toEqual({ outcome: 'authenticated', principal: ALICE });
    expect(calls).toEqual([['alice', 'right password here', '203.0.113.7']]);
    clock.now += 60_001;
    await s.authenticate(basic, CTX);
    expect(calls).toHaveLength(2);
  });

  it('a cached pair is forgotten when users change, and never serves a wrong password', async () => {
    const { svc, calls, state } = services();
    const s = new UserPasswordStrategy(svc);
    const basic = { kind: 'basic' as const, username: 'alice', password: 'right password here' };
    await s.authenticate(basic, CTX);
    state.generation += 1;
    await s.authenticate(basic, CTX);
    expect(calls).toHaveLength(2);
    expect(await s.authenticate({ ...basic, password: 'right password her' }, CTX)).toMatchObject({ outcome: 'rejected' });
    expect(await s.authenticate({ ...basic, username: 'alice\0right' }, CTX)).toMatchObject({ outcome: 'rejected' });
  });

  it('a ban overrides the cache: the pair is checked (and refused) again', async () => {
    const { svc, calls, state } = services();
    const s = new UserPasswordStrategy(svc);
    const basic = { kind: 'basic' as const, username: 'alice', password: 'right password here' };
    await s.authenticate(basic, CTX);
    state.banned = true;
    expect(await s.authenticate(basic, CTX)).toEqual({ outcome: 'rejected', challenge: 'basic', code: 'invalid_credentials' });
    expect(calls).toHaveLength(2);
  });
});
