/**
 * The Redis-backend case of `npm run bench` (alone with BENCH_ONLY=redis):
 *
 * - check throughput with the Redis backend against the embedded one, in the same run:
 *   two Gatehouse servers (one on a data dir, one on a real redis-server) pinned to the
 *   server CPU, loaded in interleaved rounds by wrk on the load CPU. The hot path reads
 *   memory in both, so the target is ≥ 0.95×.
 * - how long an admin change takes to reach another replica: a second Redis replica, and
 *   rule changes PUT on the first; each sample runs from sending the PUT until the second
 *   replica's check answers 403 for the path the new rule denies. Target: p99 ≤ 1 s.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRedis } from '../support/redis.js';
import { gatehouseEnv, httpRequest, setCookieValue, startPinnedServer, type BenchServer } from './servers.js';
import { runWrk, type WrkResult } from './wrk.js';

export interface RedisCaseOptions {
  readonly root: string;
  readonly serverCpu: string;
  readonly loadCpu: string;
  readonly connections: number;
  readonly threads: number;
  readonly rounds: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly portalUrl: string;
  /** What Traefik sends for the protected URL, without the cookie. */
  readonly forwardAuthHeaders: Readonly<Record<string, string>>;
  /** A data dir in userPassword mode with one admin, and that admin's password. */
  makeDataDir(): Promise<{ dataDir: string; password: string }>;
  /** A JSON password login on `port`; returns `gatehouse_session=…`. */
  login(port: number, password: string): Promise<string>;
  /** Waits for the machine to be quiet (other processes than `pids`). */
  waitQuiet(pids: readonly number[]): Promise<void>;
  log(line: string): void;
}

const PROPAGATION_SAMPLES = 200;
const PROPAGATION_TIMEOUT_MS = 5_000;
const THROUGHPUT_TARGET = 0.95;
const PROPAGATION_P99_TARGET_MS = 1_000;

const median = (values: readonly number[]) => percentile(values, 0.5);

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Headers for an admin JSON write with a session: the CSRF cookie and token from GET /api/auth/csrf. */
async function adminWriteHeaders(port: number, cookie: string, origin: string): Promise<Record<string, string>> {
  const res = await httpRequest(port, 'GET', '/api/auth/csrf', { cookie });
  const csrf = setCookieValue(res.headers, 'gatehouse_csrf');
  const { token } = JSON.parse(res.body) as { token: string };
  return { 'content-type': 'application/json', origin, 'x-csrf-token': token, cookie: `${cookie}; gatehouse_csrf=${csrf}` };
}

async function checkStatus(port: number, headers: Readonly<Record<string, string>>, uri: string, cookie: string): Promise<number> {
  return (await httpRequest(port, 'GET', '/api/authz/forward-auth', { ...headers, 'X-Forwarded-Uri': uri, cookie })).status;
}

/** Milliseconds from sending each rule change to A until B enforces it. */
async function propagation(o: RedisCaseOptions, a: BenchServer, b: BenchServer, cookie: string): Promise<number[]> {
  const headers = await adminWriteHeaders(a.port, cookie, o.portalUrl);
  const samples: number[] = [];
  for (let i = 1; i <= PROPAGATION_SAMPLES; i++) {
    const path = `/bench-propagation-${i}`;
    if ((await checkStatus(b.port, o.forwardAuthHeaders, path, cookie)) !== 200) throw new Error(`replica B refused ${path} before the rule existed`);
    const body = JSON.stringify({ rules: [{ domain: 'app.example.com', path, policy: 'deny' }] });
    const start = performance.now();
    const put = httpRequest(a.port, 'PUT', '/api/admin/rules', headers, body);
    for (;;) {
      if ((await checkStatus(b.port, o.forwardAuthHeaders, path, cookie)) === 403) break;
      if (performance.now() - start > PROPAGATION_TIMEOUT_MS) throw new Error(`a rule change on A did not reach B within ${PROPAGATION_TIMEOUT_MS} ms`);
    }
    samples.push(performance.now() - start);
    const answer = await put;
    if (answer.status !== 200) throw new Error(`PUT /api/admin/rules on A gave ${answer.status}: ${answer.body}`);
  }
  return samples;
}

export async function runRedisCase(o: RedisCaseOptions): Promise<void> {
  const redis = await startRedis();
  // Redis idles during the check load (the hot path reads memory): keep it off the server CPU.
  spawnSync('taskset', ['-pc', o.loadCpu, String(redis.pid)], { stdio: 'ignore' });
  const embeddedDir = await o.makeDataDir();
  const replicaDir = await o.makeDataDir();
  const joinerDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
  const started: BenchServer[] = [];
  const script = join(o.root, 'test/bench/gatehouse-server.mjs');
  // One secret for all three: a session from A must pass on B.
  const secret = randomBytes(36).toString('base64url');
  const env = (dataDir: string, redisUrl?: string) => gatehouseEnv({ dataDir, secret, portalUrl: o.portalUrl, ...(redisUrl ? { redisUrl } : {}) });
  try {
    const embedded = await startPinnedServer('Gatehouse (embedded)', script, o.serverCpu, env(embeddedDir.dataDir));
    started.push(embedded);
    const a = await startPinnedServer('Gatehouse A (Redis)', script, o.serverCpu, env(replicaDir.dataDir, redis.url));
    started.push(a);
    const b = await startPinnedServer('Gatehouse B (Redis)', script, o.serverCpu, env(joinerDir, redis.url));
    started.push(b);
    const embeddedCookie = await o.login(embedded.port, embeddedDir.password);
    const redisCookie = await o.login(a.port, replicaDir.password);
    const cases = [
      { id: 'embedded', label: 'check, embedded backend', server: embedded, cookie: embeddedCookie },
      { id: 'redis', label: 'check, Redis backend', server: a, cookie: redisCookie },
    ];
    for (const c of cases) {
      if ((await checkStatus(c.server.port, o.forwardAuthHeaders, o.forwardAuthHeaders['X-Forwarded-Uri']!, c.cookie)) !== 200) throw new Error(`${c.label}: the session does not pass`);
    }
    const url = (server: BenchServer) => `http://127.0.0.1:${server.port}/api/authz/forward-auth`;
    for (const c of cases) {
      o.log(`warming up ${c.label} (${o.warmupSeconds} s)…`);
      await runWrk({ url: url(c.server), headers: { ...o.forwardAuthHeaders, Cookie: c.cookie }, connections: o.connections, threads: o.threads, cpu: o.loadCpu, durationSeconds: o.warmupSeconds });
    }
    const runs = new Map<string, WrkResult[]>(cases.map((c) => [c.id, []]));
    const pids = [...started.map((s) => s.pid), redis.pid];
    for (let round = 1; round <= o.rounds; round++) {
      for (const c of cases) {
        await o.waitQuiet(pids);
        o.log(`round ${round}/${o.rounds}: ${c.label} (${o.durationSeconds} s)…`);
        runs.get(c.id)!.push(await runWrk({ url: url(c.server), headers: { ...o.forwardAuthHeaders, Cookie: c.cookie }, connections: o.connections, threads: o.threads, cpu: o.loadCpu, durationSeconds: o.durationSeconds }));
      }
    }
    o.log(`admin change on A → in force on B, ${PROPAGATION_SAMPLES} rule changes…`);
    const samples = await propagation(o, a, b, redisCookie);
    report(o, cases, runs, samples, started);
  } finally {
    await Promise.all(started.map((s) => s.stop()));
    await redis.close();
    for (const dir of [embeddedDir.dataDir, replicaDir.dataDir, joinerDir]) await rm(dir, { recursive: true, force: true });
  }
}

function report(o: RedisCaseOptions, cases: ReadonlyArray<{ id: string; label: string }>, runs: Map<string, WrkResult[]>, samples: readonly number[], servers: readonly BenchServer[]): void {
  const fig = (id: string) => {
    const r = runs.get(id)!;
    return { rps: median(r.map((x) => x.requestsPerSecond)), p50: median(r.map((x) => x.p50Ms)), p99: median(r.map((x) => x.p99Ms)), bad: r.reduce((n, x) => n + x.non2xx3xx + x.socketErrors, 0) };
  };
  const embedded = fig('embedded');
  const redis = fig('redis');
  const ratio = redis.rps / embedded.rps;
  const p50 = percentile(samples, 0.5);
  const p99 = percentile(samples, 0.99);
  const valid = embedded.bad === 0 && redis.bad === 0;
  const lines = ['', `Redis backend — ${o.rounds} interleaved round(s) of ${o.durationSeconds} s, wrk -t${o.threads} -c${o.connections}; medians over the rounds`];
  for (const c of cases) {
    const f = fig(c.id);
    lines.push(`${c.label.padEnd(26)} ${Math.round(f.rps).toLocaleString('en-US').padStart(8)} req/s  p50 ${f.p50.toFixed(2)} ms  p99 ${f.p99.toFixed(2)} ms  (rounds: ${runs.get(c.id)!.map((r) => Math.round(r.requestsPerSecond)).join(', ')})`);
  }
  lines.push(`admin change A → B (${samples.length} rule changes): p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms`);
  const throughputPass = valid && ratio >= THROUGHPUT_TARGET;
  const propagationPass = p99 <= PROPAGATION_P99_TARGET_MS;
  lines.push(`Redis check req/s ÷ embedded check req/s  ${ratio.toFixed(2)}×  target ≥ ${THROUGHPUT_TARGET}×  ${throughputPass ? 'PASS' : 'FAIL'}`);
  lines.push(`admin change reaching the other replica, p99  ${p99.toFixed(1)} ms  target ≤ ${PROPAGATION_P99_TARGET_MS} ms  ${propagationPass ? 'PASS' : 'FAIL'}`);
  if (!valid) lines.push('INVALID RUN: non-2xx/3xx answers or socket errors during the check load');
  for (const s of servers) if (s.logLines.length > 0) lines.push(`note: ${s.name} wrote ${s.logLines.length} log line(s) at warn or above; first: ${s.logLines[0]}`);
  lines.push(throughputPass && propagationPass ? 'REDIS VERDICT: PASS' : 'REDIS VERDICT: FAIL');
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const json = {
    bench: 'gatehouse-redis',
    at: new Date().toISOString(),
    cases: { embedded: { requestsPerSecond: round(embedded.rps), p50Ms: round(embedded.p50), p99Ms: round(embedded.p99) }, redis: { requestsPerSecond: round(redis.rps), p50Ms: round(redis.p50), p99Ms: round(redis.p99) } },
    propagationMs: { samples: samples.length, p50: round(p50), p99: round(p99), max: round(Math.max(...samples)) },
    targets: { redisThroughputRatio: { value: round(ratio), op: '>=', limit: THROUGHPUT_TARGET, pass: throughputPass }, propagationP99Ms: { value: round(p99), op: '<=', limit: PROPAGATION_P99_TARGET_MS, pass: propagationPass } },
    valid,
  };
  lines.push(`BENCH_REDIS_JSON ${JSON.stringify(json)}`);
  o.log(lines.join('\n'));
}
