/**
 * GET /api/admin/doctor judges what the running server has really seen: checks sent
 * over real HTTP connections (kept open or not), from a peer trusted or not, with the
 * forwarded headers a proxy sends or forgets. Each error comes with its fix.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/constant-time.js';
import type { Finding } from '../../src/doctor/diagnose.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { rawCheck } from '../support/raw-check.js';

const TOKEN = 'doctor-test-instance-token-0123456789abcdef';
const SECRET = 'doctor-test-session-secret-0123456789abcdefgh';

/** Headers Traefik's forwardAuth sends (with what its entry point adds). */
const TRAEFIK = { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com', 'x-forwarded-uri': '/x', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-server': 'traefik-1', 'x-real-ip': '203.0.113.9' };

interface Started {
  server: RunningServer;
  dir: string;
}

async function start(config: Record<string, unknown> = {}, portalUrl = 'https://auth.example.com'): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-doctor-'));
  const doc = { version: 1, mode: 'token', token: { hash: sha256Hex(TOKEN) }, domains: ['example.com'], session: { cookieDomain: 'example.com' }, ...config };
  await writeFile(join(dir, 'config.json'), JSON.stringify(doc));
  const server = await startServer({ dataDir: dir, port: 0, host: '127.0.0.1', sessionSecret: SECRET, portalUrl, logLevel: 'silent' }, pino({ level: 'silent' }));
  return { server, dir };
}

/** `n` checks to /api/authz/<endpoint>, one after the other, over one kept-open connection or a new one each. */
async function sendChecks(port: number, n: number, headers: Record<string, string>, options: { keepAlive: boolean; endpoint?: 'forward-auth' | 'auth-request' }): Promise<number[]> {
  const agent = new Agent({ keepAlive: options.keepAlive, maxSockets: 1 });
  const statuses: number[] = [];
  try {
    for (let i = 0; i < n; i++) statuses.push(await rawCheck(port, headers, { agent, ...(options.endpoint ? { endpoint: options.endpoint } : {}) }));
  } finally {
    agent.destroy();
  }
  return statuses;
}

async function report(port: number, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) {
  const res = await fetch(`http://127.0.0.1:${port}/api/admin/doctor`, { headers });
  return { status: res.status, body: (await res.json()) as { ok: boolean; findings: Finding[]; peers: Array<Record<string, unknown>> } };
}

const codes = (findings: Finding[], level?: Finding['level']) => findings.filter((f) => level === undefined || f.level === level).map((f) => f.code);

describe('doctor API', () => {
  let started: Started | undefined;
  afterEach(async () => {
    await started?.server.close();
    if (started) await rm(started.dir, { recursive: true, force: true });
    started = undefined;
  });

  it('a clean wiring (Traefik headers, kept-open connection, https, covered host) has no errors and names the proxy', async () => {
    started = await start();
    const statuses = await sendChecks(started.server.port, 12, { ...TRAEFIK, authorization: `Bearer ${TOKEN}` }, { keepAlive: true });
    expect(new Set(statuses)).toEqual(new Set([200]));
    const { status, body } = await report(started.server.port);
    expect(status).toBe(200);
    expect(codes(body.findings, 'error')).toEqual([]);
    expect(body.ok).toBe(true);
    expect(body.peers).toEqual([expect.objectContaining({ ip: '127.0.0.1', trusted: true, proxy: 'traefik', requests: 12, connections: 1, hosts: ['app.example.com'] })]);
  });

  it('no checks yet is a warning, not an error', async () => {
    started = await start();
    const { body } = await report(started.server.port);
    expect(body.ok).toBe(true);
    expect(codes(body.findings, 'warning')).toContain('no_checks');
  });

  it('a new connection per check is an error whose nginx fix adds keepalive and HTTP/1.1', async () => {
    started = await start();
    const nginxHeaders = { 'x-original-url': 'https://app.example.com/x', 'x-original-method': 'GET', 'x-forwarded-for': '203.0.113.9', connection: 'close' };
    await sendChecks(started.server.port, 12, nginxHeaders, { keepAlive: false, endpoint: 'auth-request' });
    const { body } = await report(started.server.port);
    expect(body.ok).toBe(false);
    const finding = body.findings.find((f) => f.code === 'no_keepalive')!;
    expect(finding).toMatchObject({ level: 'error', peer: '127.0.0.1', fix: { for: 'nginx' } });
    expect(finding.fix!.text).toContain('keepalive 16;');
    expect(finding.fix!.text).toContain('proxy_http_version 1.1;');
    expect(finding.fix!.text).toContain('proxy_set_header Connection "";');
  });

  it('a missing X-Forwarded-Uri is named, with the fix for the proxy that sent it', async () => {
    started = await start();
    const { 'x-forwarded-uri': _dropped, ...headers } = TRAEFIK;
    expect(new Set(await sendChecks(started.server.port, 3, headers, { keepAlive: true }))).toEqual(new Set([400]));
    const { body } = await report(started.server.port);
    const finding = body.findings.find((f) => f.code === 'missing_header')!;
    expect(finding.message).toContain('x-forwarded-uri');
    expect(finding.fix).toMatchObject({ for: 'traefik' });
  });

  it('a peer outside trustedProxies is an error whose fix adds exactly that address', async () => {
    started = await start({ trustedProxies: ['10.0.0.0/8'] });
    expect(new Set(await sendChecks(started.server.port, 2, TRAEFIK, { keepAlive: true }))).toEqual(new Set([400]));
    const { body } = await report(started.server.port);
    expect(codes(body.findings, 'error')).toEqual(['untrusted_peer']);
    expect(body.findings[0]!.fix!.text).toBe(`gatehouse config set trustedProxies '["10.0.0.0/8","127.0.0.1/32"]'`);
  });

  it('checks for the portal host itself are a login loop', async () => {
    started = await start();
    await sendChecks(started.server.port, 2, { ...TRAEFIK, 'x-forwarded-host': 'auth.example.com' }, { keepAlive: true });
    const { body } = await report(started.server.port);
    expect(codes(body.findings, 'error')).toEqual(['login_loop']);
  });

  it('a checked host outside the cookie domain is an error; with no cookie domain the fix names the common parent', async () => {
    started = await start({ domains: ['example.com', 'example.org'] });
    await sendChecks(started.server.port, 2, { ...TRAEFIK, 'x-forwarded-host': 'app.example.org' }, { keepAlive: true });
    expect(codes((await report(started.server.port)).body.findings, 'error')).toEqual(['cookie_domain']);
    await started.server.close();
    await rm(started.dir, { recursive: true, force: true });
    started = await start({ session: {} });
    await sendChecks(started.server.port, 2, TRAEFIK, { keepAlive: true });
    const finding = (await report(started.server.port)).body.findings.find((f) => f.code === 'cookie_domain')!;
    expect(finding.fix!.text).toBe('gatehouse config set session.cookieDomain example.com');
  });

  it('http forwarded while session cookies are Secure is an error', async () => {
    started = await start({ allowHttp: true });
    await sendChecks(started.server.port, 2, { ...TRAEFIK, 'x-forwarded-proto': 'http' }, { keepAlive: true });
    expect(codes((await report(started.server.port)).body.findings, 'error')).toEqual(['insecure_proto']);
  });

  it('warns about open mode, about a portal port nothing answers on, and shows case-folding rules', async () => {
    started = await start({ mode: 'open', token: undefined, rules: [{ domain: 'app.example.com', path: '/admin', policy: 'deny' }] }, 'http://localhost:1');
    const { body } = await report(started.server.port, {});
    expect(body.ok).toBe(true);
    expect(codes(body.findings, 'warning')).toEqual(expect.arrayContaining(['open_mode', 'portal_port']));
    expect(body.findings.find((f) => f.code === 'portal_port')!.fix!.text).toContain(`:${started.server.port}`);
    expect(body.findings.find((f) => f.code === 'case_folding')!.message).toContain('rules[0]');
  });

  it('refuses anyone who is not an admin, and forgets what it saw on reset', async () => {
    started = await start();
    expect((await report(started.server.port, {})).status).toBe(401);
    expect((await report(started.server.port, { 'x-gatehouse-doctor-ticket': `${'0'.repeat(16)}.${'a'.repeat(43)}` })).status).toBe(401);
    await sendChecks(started.server.port, 1, TRAEFIK, { keepAlive: true });
    expect((await report(started.server.port)).body.peers).toHaveLength(1);
    const reset = await fetch(`http://127.0.0.1:${started.server.port}/api/admin/doctor/reset`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', origin: 'https://auth.example.com' },
      body: '{}',
    });
    expect(reset.status).toBe(200);
    expect((await report(started.server.port)).body.peers).toEqual([]);
  });
});
