/** The e2e bench's table and BENCH_E2E_JSON line: per proxy, each case's medians and the ratios that matter. */
import { fmtInt, fmtMs, log, median, pct, QUIET_LOAD, round, table } from '../bench-kit.js';
import type { BenchServer } from '../servers.js';
import type { WrkResult } from '../wrk.js';
import type { ProxyKind } from './pinned-proxy.js';

export const CASE_IDS = ['noAuth', 'proxyAsAuth', 'bareFastify', 'gatehouseToken', 'gatehouseUserPassword'] as const;
export type CaseId = (typeof CASE_IDS)[number];

const LABELS: Record<ProxyKind, Record<CaseId, string>> = {
  nginx: {
    noAuth: '(a) nginx → app, no auth',
    proxyAsAuth: '(b) auth_request → nginx return 204',
    bareFastify: '(c) auth_request → bare Fastify 204',
    gatehouseToken: '(d) auth_request → Gatehouse, token mode',
    gatehouseUserPassword: '(d) auth_request → Gatehouse, userPassword',
  },
  caddy: {
    noAuth: '(a) Caddy → app, no auth',
    proxyAsAuth: '(b) forward_auth → Caddy respond 204',
    bareFastify: '(c) forward_auth → bare Fastify 204',
    gatehouseToken: '(d) forward_auth → Gatehouse, token mode',
    gatehouseUserPassword: '(d) forward_auth → Gatehouse, userPassword',
  },
};

/** What the check path aims at, against the same proxy's figures from the same run. */
const TARGETS = { vsFastify: 0.95, vsLimit: 0.65, p99VsFastify: 1.2 } as const;

export interface CaseRun {
  readonly wrk: WrkResult;
  /** CPU time (user + system) of the proxy, auth server and app per request, in µs. */
  readonly serverCpuMicrosPerRequest: number;
  /** The auth server's share of it (null when the proxy answers the check itself). */
  readonly authCpuMicrosPerRequest: number | null;
  /** Share of all CPUs (0–1) that other processes used during the run. */
  readonly otherLoad: number;
}

export interface Setup {
  readonly proxies: readonly ProxyKind[];
  readonly rounds: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly connections: number;
  readonly threads: number;
  readonly serverCpu: string;
  readonly loadCpu: string;
  readonly growth: { readonly sessions: number; readonly rules: number } | null;
}

interface Figures {
  readonly checksPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuMicrosPerRequest: number;
  readonly authCpuMicrosPerRequest: number | null;
  readonly otherLoad: number;
  readonly runs: readonly CaseRun[];
}

function figures(runs: readonly CaseRun[]): Figures {
  return {
    checksPerSecond: median(runs.map((r) => r.wrk.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.wrk.p50Ms)),
    p99Ms: median(runs.map((r) => r.wrk.p99Ms)),
    serverCpuMicrosPerRequest: median(runs.map((r) => r.serverCpuMicrosPerRequest)),
    authCpuMicrosPerRequest: runs[0]!.authCpuMicrosPerRequest === null ? null : median(runs.map((r) => r.authCpuMicrosPerRequest!)),
    otherLoad: Math.max(...runs.map((r) => r.otherLoad)),
    runs,
  };
}

interface Ratios {
  readonly vsFastify: number;
  readonly vsLimit: number;
  readonly p99VsFastify: number;
}

const ratios = (f: Record<CaseId, Figures>, id: CaseId): Ratios => ({
  vsFastify: f[id].checksPerSecond / f.bareFastify.checksPerSecond,
  vsLimit: f[id].checksPerSecond / f.proxyAsAuth.checksPerSecond,
  p99VsFastify: f[id].p99Ms / f.bareFastify.p99Ms,
});

const verdict = (r: Ratios) => r.vsFastify >= TARGETS.vsFastify && r.vsLimit >= TARGETS.vsLimit && r.p99VsFastify <= TARGETS.p99VsFastify;
const x = (n: number) => `${n.toFixed(2)}×`;

export function report(setup: Setup, runs: ReadonlyMap<string, readonly CaseRun[]>, gatehouses: readonly BenchServer[]): void {
  const lines: string[] = [''];
  lines.push(`Gatehouse e2e bench — node ${process.version}; proxies, auth servers and app on CPU ${setup.serverCpu}, wrk on CPU ${setup.loadCpu}; wrk -t${setup.threads} -c${setup.connections} --latency`);
  lines.push(`${setup.rounds} interleaved round(s) of ${setup.durationSeconds} s per case after a ${setup.warmupSeconds} s warm-up; figures are medians over the rounds${setup.growth ? `; Gatehouse holds ${setup.growth.sessions} live sessions and ${setup.growth.rules} rules` : ''}`);
  const problems: string[] = [];
  const json: Record<string, unknown> = {};
  let noisy = false;
  for (const proxy of setup.proxies) {
    const f = Object.fromEntries(CASE_IDS.map((id) => [id, figures(runs.get(`${proxy}.${id}`)!)])) as Record<CaseId, Figures>;
    const gatehouse = { gatehouseToken: ratios(f, 'gatehouseToken'), gatehouseUserPassword: ratios(f, 'gatehouseUserPassword') };
    lines.push('');
    const rows = CASE_IDS.map((id) => {
      const r = id === 'gatehouseToken' || id === 'gatehouseUserPassword' ? gatehouse[id] : undefined;
      return [LABELS[proxy][id], fmtInt(f[id].checksPerSecond), fmtMs(f[id].p50Ms), fmtMs(f[id].p99Ms), f[id].serverCpuMicrosPerRequest.toFixed(1), f[id].authCpuMicrosPerRequest?.toFixed(1) ?? '', r ? x(r.vsFastify) : '', r ? x(r.vsLimit) : '', r ? x(r.p99VsFastify) : ''];
    });
    lines.push(...table(['case', 'checks/s', 'p50', 'p99', 'server CPU µs/req', 'auth server µs', '÷ Fastify', '÷ limit', 'p99 ÷ Fastify'], rows, new Set([0])));
    for (const id of ['gatehouseToken', 'gatehouseUserPassword'] as const) {
      lines.push(`${proxy} ${id}: ${verdict(gatehouse[id]) ? 'meets' : 'misses'} the targets (≥ ${TARGETS.vsFastify}× Fastify, ≥ ${TARGETS.vsLimit}× limit, p99 ≤ ${TARGETS.p99VsFastify}× Fastify's)`);
    }
    for (const id of CASE_IDS) {
      noisy ||= f[id].otherLoad > QUIET_LOAD;
      for (const r of f[id].runs) {
        if (r.wrk.non2xx3xx > 0) problems.push(`${proxy} ${id}: ${r.wrk.non2xx3xx} non-2xx/3xx responses`);
        if (r.wrk.socketErrors > 0) problems.push(`${proxy} ${id}: ${r.wrk.socketErrors} socket errors`);
      }
      lines.push(`  rounds, ${id}: ${f[id].runs.map((r) => `${fmtInt(r.wrk.requestsPerSecond)}/s p99 ${fmtMs(r.wrk.p99Ms)} other ${pct(r.otherLoad)}`).join(' | ')}`);
    }
    json[proxy] = {
      cases: Object.fromEntries(
        CASE_IDS.map((id) => [id, { label: LABELS[proxy][id], checksPerSecond: round(f[id].checksPerSecond, 1), p50Ms: round(f[id].p50Ms, 3), p99Ms: round(f[id].p99Ms, 3), serverCpuMicrosPerRequest: round(f[id].serverCpuMicrosPerRequest, 2), authCpuMicrosPerRequest: f[id].authCpuMicrosPerRequest === null ? null : round(f[id].authCpuMicrosPerRequest, 2), otherLoadMax: round(f[id].otherLoad, 3), rounds: f[id].runs.map((r) => round(r.wrk.requestsPerSecond, 1)) }]),
      ),
      ratios: Object.fromEntries(Object.entries(gatehouse).map(([id, r]) => [id, { vsFastify: round(r.vsFastify, 3), vsLimit: round(r.vsLimit, 3), p99VsFastify: round(r.p99VsFastify, 3), meetsTargets: verdict(r) }])),
    };
  }
  lines.push('');
  if (problems.length > 0) lines.push(`INVALID RUN: ${problems.join('; ')}`);
  if (noisy) lines.push(`NOISY RUN: other processes used more than ${pct(QUIET_LOAD)} of the CPUs during a measured run; rerun on a quiet machine before trusting the figures.`);
  for (const g of gatehouses) if (g.logLines.length > 0) lines.push(`note: ${g.name} wrote ${g.logLines.length} log line(s) at warn or above; first: ${g.logLines[0]}`);
  const out = { bench: 'gatehouse-e2e', at: new Date().toISOString(), node: process.version, setup, targets: TARGETS, ...json, noisy, valid: problems.length === 0 };
  lines.push(`BENCH_E2E_JSON ${JSON.stringify(out)}`);
  log(lines.join('\n'));
}
