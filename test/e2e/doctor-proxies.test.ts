/**
 * The doctor behind real nginx and Caddy running the examples' configs: a clean wiring
 * passes, and each broken one (nginx without keepalive, Caddy without the forwarded
 * headers, trustedProxies not covering the proxy, a cookie domain for another zone) is
 * reported by name with the fix for that proxy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../config/schema.js';
import type { Finding } from '../../src/doctor/diagnose.js';
import { gatehouse as runCli } from '../support/cli.js';
import { substitute } from '../support/examples.js';
import {
  APP_HOST,
  freePort,
  PORTAL_HOST,
  send,
  sha256Hex,
  startCaddy,
  startGatehouse,
  startNginx,
  startUpstream,
  type GatehouseHandle,
  type ProxyHandle,
  type ProxyOptions,
  type Upstream,
} from '../support/proxies.js';

const TOKEN = 'doctor-e2e-instance-token-0123456789abcdef';
const CHECKS = 12;

interface Stack {
  gatehouse: GatehouseHandle;
  upstream: Upstream;
  proxy: ProxyHandle;
}

interface Report {
  ok: boolean;
  findings: Finding[];
  peers: Array<{ ip: string; proxy: string; trusted: boolean; requestsPerConnection: number }>;
}

describe('doctor behind real proxies', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.proxy.close();
    await stack?.upstream.close();
    await stack?.gatehouse.close();
    stack = undefined;
  });

  async function start(startProxy: (o: ProxyOptions) => Promise<ProxyHandle>, config: Partial<ConfigInput> = {}, alter?: (text: string) => string): Promise<Stack> {
    const port = await freePort();
    const upstream = await startUpstream();
    const gatehouse = await startGatehouse({
      config: { mode: 'token', token: { hash: sha256Hex(TOKEN) }, session: { cookieDomain: 'localhost' }, ...config },
      env: { portalUrl: `http://${PORTAL_HOST}:${port}` },
    });
    const proxy = await startProxy({ gatehousePort: gatehouse.port, upstreamPort: upstream.port, port, ...(alter ? { alter } : {}) });
    stack = { gatehouse, upstream, proxy };
    return stack;
  }

  /** Requests to the protected app through the proxy, one after the other; their statuses. */
  async function browse(s: Stack): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < CHECKS; i++) statuses.push((await send({ port: s.proxy.port, host: APP_HOST, path: `/page/${i}`, headers: { authorization: `Bearer ${TOKEN}` } })).status);
    return statuses;
  }

  async function doctor(s: Stack): Promise<Report> {
    const res = await fetch(`http://127.0.0.1:${s.gatehouse.port}/api/admin/doctor`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Report;
  }

  const errors = (report: Report) => report.findings.filter((f) => f.level === 'error');

  it('nginx running examples/nginx/gatehouse.conf: no errors, recognised as nginx, connections reused; gatehouse doctor exits 0', async () => {
    const s = await start(startNginx);
    expect(new Set(await browse(s)), await s.proxy.diagnostics()).toEqual(new Set([200]));
    const report = await doctor(s);
    expect(errors(report)).toEqual([]);
    expect(report.peers).toEqual([expect.objectContaining({ ip: '127.0.0.1', proxy: 'nginx', trusted: true })]);
    expect(report.peers[0]!.requestsPerConnection).toBeGreaterThan(2);
    const cli = await runCli(s.gatehouse.dataDir, ['doctor'], '', { GATEHOUSE_HOST: '127.0.0.1', GATEHOUSE_PORT: String(s.gatehouse.port) });
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/127\.0\.0\.1 {2}nginx {2}trusted/);
  });

  it('Caddy running examples/caddy/Caddyfile: no errors, recognised as Caddy', async () => {
    const s = await start(startCaddy);
    expect(new Set(await browse(s)), await s.proxy.diagnostics()).toEqual(new Set([200]));
    const report = await doctor(s);
    expect(errors(report)).toEqual([]);
    expect(report.peers).toEqual([expect.objectContaining({ proxy: 'caddy', trusted: true })]);
    expect(report.peers[0]!.requestsPerConnection).toBeGreaterThan(2);
  });

  it('nginx without keepalive: no_keepalive, and the nginx fix; gatehouse doctor exits 1 and prints it', async () => {
    const s = await start(startNginx, {}, (text) =>
      substitute(text, [
        ['    keepalive 16;\n', ''],
        ['        proxy_http_version 1.1;\n        proxy_set_header Connection "";\n        proxy_pass_request_body off;', '        proxy_pass_request_body off;'],
      ]),
    );
    expect(new Set(await browse(s))).toEqual(new Set([200]));
    const report = await doctor(s);
    expect(errors(report).map((f) => f.code)).toEqual(['no_keepalive']);
    expect(errors(report)[0]!.fix).toMatchObject({ for: 'nginx', text: expect.stringContaining('keepalive 16;') });
    const cli = await runCli(s.gatehouse.dataDir, ['doctor'], '', { GATEHOUSE_HOST: '127.0.0.1', GATEHOUSE_PORT: String(s.gatehouse.port) });
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/ERROR no_keepalive \(127\.0\.0\.1\)/);
    expect(cli.stdout).toContain('proxy_set_header Connection "";');
  });

  it('Caddy without the forwarded headers: each missing one named, with the Caddy fix', async () => {
    const s = await start(startCaddy, {}, (text) =>
      substitute(text, [['\t\t\turi /api/authz/forward-auth\n', '\t\t\turi /api/authz/forward-auth\n\t\t\theader_up -X-Forwarded-Uri\n\t\t\theader_up -X-Forwarded-Host\n']]),
    );
    const statuses = await browse(s);
    expect(statuses.every((status) => status >= 400), await s.proxy.diagnostics()).toBe(true);
    const report = await doctor(s);
    const missing = errors(report).filter((f) => f.code === 'missing_header');
    expect(missing.map((f) => /lack (\S+):/.exec(f.message)?.[1]).sort()).toEqual(['x-forwarded-host', 'x-forwarded-uri']);
    expect(missing[0]!.fix).toMatchObject({ for: 'caddy', text: expect.stringContaining('forward_auth') });
  });

  it('trustedProxies not covering loopback: untrusted_peer, with the line that adds the proxy', async () => {
    const s = await start(startNginx, { trustedProxies: ['10.0.0.0/8'] });
    expect(new Set(await browse(s))).not.toContain(200);
    const report = await doctor(s);
    expect(errors(report).map((f) => f.code)).toEqual(['untrusted_peer']);
    expect(errors(report)[0]!.fix!.text).toBe(`gatehouse config set trustedProxies '["10.0.0.0/8","127.0.0.1/32"]'`);
  });

  it('a cookie domain for another zone: cookie_domain names the app host it misses', async () => {
    const s = await start(startCaddy, { session: { cookieDomain: 'example.org' } });
    expect(new Set(await browse(s))).toEqual(new Set([200]));
    const report = await doctor(s);
    expect(errors(report).map((f) => f.code)).toEqual(['cookie_domain']);
    expect(errors(report)[0]!.message).toContain(`does not cover ${APP_HOST}`);
  });
});
