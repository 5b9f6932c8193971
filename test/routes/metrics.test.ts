/**
 * /metrics: Prometheus text with check outcomes, audit events and a few gauges, answered
 * only to scrapers on `metrics.networks`, and never carrying a name, host or secret.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AppFixture } from '../support/app-fixture.js';
import { ALICE, checkAs, jsonLogin, userPasswordFixture } from '../support/user-password.js';

async function scrape(fx: AppFixture, remoteAddress = '127.0.0.1') {
  return fx.app.inject({ method: 'GET', url: '/metrics', remoteAddress });
}

/** The value of one sample line, e.g. `gatehouse_checks_total{endpoint="forward-auth",outcome="allow"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('counts check outcomes by endpoint, in the Prometheus text format', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { session } = await jsonLogin(fx.app, ALICE.username, ALICE.password);
    const before = (await scrape(fx)).body;
    expect(sample(before, 'gatehouse_checks_total{endpoint="forward-auth",outcome="allow"}')).toBe(0);
    for (let i = 0; i < 3; i++) expect((await checkAs(fx.app, { session })).statusCode).toBe(200);
    expect((await checkAs(fx.app, { accept: 'application/json' })).statusCode).toBe(401);
    expect((await checkAs(fx.app, { session, url: 'https://app.example.com/a%2Fb' })).statusCode).toBe(400);
    const res = await scrape(fx);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('# TYPE gatehouse_checks_total counter');
    expect(sample(res.body, 'gatehouse_checks_total{endpoint="forward-auth",outcome="allow"}')).toBe(3);
    expect(sample(res.body, 'gatehouse_checks_total{endpoint="forward-auth",outcome="login"}')).toBe(1);
    expect(sample(res.body, 'gatehouse_checks_total{endpoint="forward-auth",outcome="bad_request"}')).toBe(1);
    expect(sample(res.body, 'gatehouse_checks_total{endpoint="auth-request",outcome="allow"}')).toBe(0);
    expect(sample(res.body, 'gatehouse_mode{mode="userPassword"}')).toBe(1);
    expect(sample(res.body, 'gatehouse_mode{mode="open"}')).toBe(0);
    expect(sample(res.body, 'gatehouse_sessions')).toBe(1);
    expect(sample(res.body, 'gatehouse_users{state="enabled"}')).toBe(1);
    expect(sample(res.body, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
  });

  it('counts audit events (logins, failures) as they happen', async () => {
    fx = await userPasswordFixture([ALICE]);
    await jsonLogin(fx.app, ALICE.username, 'not the right password');
    await jsonLogin(fx.app, ALICE.username, 'not the right password');
    await jsonLogin(fx.app, ALICE.username, ALICE.password);
    const { body } = await scrape(fx);
    expect(sample(body, 'gatehouse_audit_events_total{event="login.failure"}')).toBe(2);
    expect(sample(body, 'gatehouse_audit_events_total{event="login.success"}')).toBe(1);
  });

  it('information leak: no username, password, session secret or client address appears in the metrics', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { session } = await jsonLogin(fx.app, ALICE.username, ALICE.password);
    await checkAs(fx.app, { session, ip: '198.51.100.77' });
    const { body } = await scrape(fx);
    for (const secret of [ALICE.username, ALICE.password, session!, session!.split('.')[1]!, '198.51.100.77', 'app.example.com']) expect(body).not.toContain(secret);
  });

  it('metrics read through the reverse proxy: an outside client relayed by the trusted proxy in front of the portal gets 403', async () => {
    fx = await userPasswordFixture([ALICE]);
    // The proxy connects from loopback (trusted, and inside the default metrics.networks); the client is public.
    const outsider = await fx.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(outsider.statusCode).toBe(403);
    expect(outsider.body).not.toContain('gatehouse_checks_total');
    const lanScraper = await fx.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '192.168.1.20' } });
    expect(lanScraper.statusCode).toBe(200);
  });

  it('a scraper from outside metrics.networks gets 403, X-Forwarded-For from an untrusted peer is not believed, and metrics.enabled=false hides the route', async () => {
    fx = await userPasswordFixture([ALICE]);
    expect((await scrape(fx, '203.0.113.9')).statusCode).toBe(403);
    const relayed = await fx.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(relayed.statusCode).toBe(403);
    await fx.store.update((c) => ({ ...c, metrics: { enabled: true, networks: ['203.0.113.0/24'] } }));
    expect((await scrape(fx, '203.0.113.9')).statusCode).toBe(200);
    expect((await scrape(fx, '127.0.0.1')).statusCode).toBe(403);
    await fx.store.update((c) => ({ ...c, metrics: { ...c.metrics, enabled: false } }));
    expect((await scrape(fx, '203.0.113.9')).statusCode).toBe(404);
  });
});
