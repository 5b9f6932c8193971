import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-log.js';
import type { AppFixture } from '../support/app-fixture.js';
import { adminRequest } from '../support/admin-api.js';
import { ALICE, signIn, userPasswordFixture } from '../support/user-password.js';

describe('GET /api/admin/audit on a large log', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('answers the newest page from the end of the log and says the count is partial', async () => {
    fx = await userPasswordFixture([ALICE]);
    // 60k old events (~6 MiB): more than the page counts exactly.
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const lines = Array.from({ length: 60_000 }, (_, i) => `${JSON.stringify({ time: new Date(t0 + i * 1_000).toISOString(), event: 'login.failure', actor: 'anonymous', ip: '203.0.113.9', outcome: 'failure', details: { method: 'password', n: i } })}\n`);
    await appendFile(join(fx.dataDir, 'audit.log'), lines.join(''));
    const admin = await signIn(fx.app, ALICE);

    const res = await adminRequest(fx, 'GET', '/api/admin/audit?event=login.failure&pageSize=20&page=2', { session: admin });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { total: number; complete: boolean; events: AuditEvent[] };
    expect(body.complete).toBe(false);
    expect(body.total).toBeGreaterThan(40);
    expect(body.total).toBeLessThan(60_000);
    expect(body.events.map((e) => e.details!.n)).toEqual(Array.from({ length: 20 }, (_, i) => 59_979 - i));

    // A page that never fills reads on to the oldest kept event, so its count is exact.
    const mine = await adminRequest(fx, 'GET', '/api/admin/audit?event=login.success', { session: admin });
    expect(mine.json()).toMatchObject({ total: 1, complete: true });
  });
});
