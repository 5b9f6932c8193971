/**
 * GET /api/admin/audit: filter by user (actor or target), event (exact or
 * prefix), time; newest first; paged. Keeps the admin-API contract.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-log.js';
import type { AppFixture } from '../support/app-fixture.js';
import { adminRequest, describeAdminRoute } from '../support/admin-api.js';
import { ALICE, signIn, userPasswordFixture } from '../support/user-password.js';

describeAdminRoute('GET /api/admin/audit', {
  method: 'GET',
  url: () => '/api/admin/audit?event=user.create',
  setup: async (world) => {
    for (const target of ['alice', 'bob', 'victor']) {
      world.fx.clock.now += 1_000;
      await world.fx.accounts.audit.record({ event: 'user.create', actor: 'cli:root', target });
    }
  },
  success: {
    status: 200,
    check: (res) => {
      expect(res.json()).toMatchObject({ total: 3, page: 1, pageSize: 50 });
      expect((res.json().events as AuditEvent[]).map((e) => e.target)).toEqual(['victor', 'bob', 'alice']);
    },
  },
});

describe('audit log queries', () => {
  let fx: AppFixture;
  let admin: string;
  afterEach(() => fx?.close());

  const query = async (qs: string) => {
    const res = await adminRequest(fx, 'GET', `/api/admin/audit?${qs}`, { session: admin });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { total: number; page: number; pageSize: number; events: AuditEvent[] };
  };

  async function seed(): Promise<void> {
    fx = await userPasswordFixture([ALICE]);
    const t0 = fx.clock.now;
    for (let i = 0; i < 12; i++) {
      fx.clock.now = t0 + i * 60_000;
      await fx.accounts.audit.record({ event: i % 3 === 0 ? 'mode.switch' : i % 3 === 1 ? 'mode.confirm' : 'user.role', actor: i % 2 === 0 ? 'alice' : 'cli:root', target: i % 4 === 0 ? 'bob' : undefined });
    }
    fx.clock.now = t0 + 3_600_000;
    admin = await signIn(fx.app, ALICE);
  }

  it('newest first, paged; filters by user (actor or target), event prefix and time', async () => {
    await seed();
    const all = await query('pageSize=5');
    // The 12 seeded events, and the admin's login.
    expect(all.total).toBeGreaterThanOrEqual(13);
    expect(all.events).toHaveLength(5);
    const times = all.events.map((e) => Date.parse(e.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const page2 = await query('pageSize=5&page=2');
    expect(Date.parse(page2.events[0]!.time)).toBeLessThanOrEqual(times[4]!);

    const mode = await query('event=mode');
    expect(mode.total).toBe(8);
    expect(mode.events.every((e) => e.event.startsWith('mode.'))).toBe(true);
    expect((await query('event=mode.confirm')).total).toBe(4);
    // A prefix matches whole dotted parts only.
    expect((await query('event=mod')).total).toBe(0);

    const bob = await query('user=bob');
    expect(bob.total).toBe(3);
    expect(bob.events.every((e) => e.target === 'bob')).toBe(true);
    expect((await query('user=cli:root')).total).toBe(6);

    const start = Date.parse('2026-11-23T12:03:00Z');
    const window = await query(`since=${new Date(start).toISOString()}&until=${new Date(start + 2 * 60_000).toISOString()}`);
    expect(window.events.map((e) => e.time)).toEqual(['2026-11-23T12:05:00.000Z', '2026-11-23T12:04:00.000Z', '2026-11-23T12:03:00.000Z']);
  });

  it('refuses bad queries: unknown parameters, bad dates, oversized pages', async () => {
    await seed();
    for (const qs of ['actor=alice', 'since=yesterday', 'pageSize=1000', 'page=0']) {
      const res = await adminRequest(fx, 'GET', `/api/admin/audit?${qs}`, { session: admin });
      expect(res.statusCode, qs).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request' });
    }
  });
});
