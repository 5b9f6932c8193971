/**
 * `npm run bench`: the forward-auth quality bars from DESIGN.md, measured in one run.
 *
 * Builds Gatehouse, starts it (userPassword mode, one admin, temp data dir), a bare Fastify 204 app and
 * the Node http floor as separate node processes pinned to CPU 0, signs in with the JSON login API
 * for a real session cookie, then loads each case with wrk pinned to CPU 1 — same connections and duration for
 * every case — and compares. Also reads Gatehouse's resident memory idle and after the load.
 *
 * A third case sends bare Fastify the check's own request headers: it has no target, and
 * shows how much of the gap is the larger forwarded request rather than the check. A fourth
 * sends the same request to the Node floor (floor-server.mjs): plain `node:http`, no Fastify,
 * answering what an allowed check answers without judging anything — the most any check
 * built on Node's http module could reach.
 *
 * The login-storm case measures the same check while 50 other clients POST wrong passwords
 * to /api/auth/login (each one a full bcrypt verify, cost 12); its p99 is compared with the
 * idle check's p99 from the same run. The storm client is pinned beside wrk: it needs
 * little CPU, as it spends its time waiting for bcrypt.
 *
 * Cases run in interleaved rounds (bare, …, check, bare, …) and each figure is the median
 * over the rounds, so a burst of other work on the machine skews one round, not the verdict.
 * Before each run the bench waits for the machine to be quiet; a run that other processes
 * disturbed anyway is repeated (up to 3 attempts), and the report shows how much CPU other
 * processes took during each kept run.
 *
 * The exit code is 0 whether or not a target is met (this is a measurement); it is non-zero
 * only when the bench itself could not run. The VERDICT line and the BENCH_JSON line say
 * which targets passed.
 *
 * After them comes the growth table (growth.ts): the embedded store at 0, 10k and 100k live
 * sessions, 50k logins, and 10 vs 1,000 access rules.
 *
 * Environment: BENCH_ROUNDS (3), BENCH_WARMUP_SECONDS (3), BENCH_DURATION_SECONDS (10),
 * BENCH_MAX_WAIT_SECONDS (300, total wait for quiet), BENCH_SKIP_BUILD=1 (use dist/ as is),
 * BENCH_ONLY=growth (only the growth table; GROWTH_SIZES and GROWTH_LOGINS narrow it),
 * BENCH_ONLY=redis (only the Redis-backend case, redis-case.ts).
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build, envNumber, fmtInt, fmtMs, LOAD_CPU, log, median, pct, preflight, QUIET_LOAD, QuietWaiter, ROOT, round, SERVER_CPU, sleep, table } from './bench-kit.js';
import { otherLoad, processCpuMicros, snapshot } from './cpu-usage.js';
import { addUser, jsonLogin, startGatehouse, writeDataDir } from './gatehouse-setup.js';
import { gatehouseEnv, httpRequest, startPinnedServer, type BenchServer } from './servers.js';
import { runGrowth } from './growth.js';
import { runRedisCase } from './redis-case.js';
import { startLoginStorm, type RunningStorm, type StormResult } from './storm.js';
import { runWrk, type WrkResult } from './wrk.js';

const CONNECTIONS = 50;
const THREADS = 1;
const ROUNDS = envNumber('BENCH_ROUNDS', 3);
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 3);
const DURATION_SECONDS = envNumber('BENCH_DURATION_SECONDS', 10);
const MAX_WAIT_SECONDS = envNumber('BENCH_MAX_WAIT_SECONDS', 300);
/** A run disturbed by other processes is repeated, up to this many attempts in all. */
const ATTEMPTS = 3;

const PORTAL_URL = 'https://auth.example.com';
const PROTECTED_URL = new URL('https://app.example.com/dashboard?tab=1');
const CLIENT_IP = '203.0.113.7';
const BENCH_USER = 'bench';
/** Longer than the password-hasher pool's idle time (30 s). */
const IDLE_SETTLE_SECONDS = 35;
const STORM_CLIENTS = 50;

/** What Traefik sends to /api/authz/forward-auth for PROTECTED_URL. */
const FORWARD_AUTH_HEADERS: Readonly<Record<string, string>> = {
  'X-Forwarded-Method': 'GET',
  'X-Forwarded-Proto': PROTECTED_URL.protocol.slice(0, -1),
  'X-Forwarded-Host': PROTECTED_URL.host,
  'X-Forwarded-Uri': `${PROTECTED_URL.pathname}${PROTECTED_URL.search}`,
  'X-Forwarded-For': CLIENT_IP,
};

interface Servers {
  readonly bare: BenchServer;
  readonly floor: BenchServer;
  readonly gatehouse: BenchServer;
  /** `gatehouse_session=<id.secret>`, from a real password login. */
  readonly sessionCookie: string;
}

/** What one case loads: one server, one URL, fixed request headers. */
interface LoadSpec {
  readonly server: BenchServer;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * One load case, run once per round after a warm-up. A later case such as the login storm
 * (check p99 while 50 clients POST wrong passwords) can start its background load on the
 * load CPU in `before` and stop it in `after`, around the measured run of its `load`.
 */
interface LoadCase {
  readonly id: string;
  readonly label: string;
  load(servers: Servers): LoadSpec;
  before?(servers: Servers): Promise<void>;
  after?(servers: Servers): Promise<void>;
  /** Processes the case runs besides the servers and wrk, whose CPU is the bench's own. */
  pids?(): readonly number[];
}

const checkLoad = (s: Servers): LoadSpec => ({
  server: s.gatehouse,
  url: `http://127.0.0.1:${s.gatehouse.port}/api/authz/forward-auth`,
  headers: { ...FORWARD_AUTH_HEADERS, Cookie: s.sessionCookie },
});

/** The storm running during the current login-storm run, and what each measured run saw. */
let storm: RunningStorm | undefined;
const stormResults: StormResult[] = [];

const CASES: readonly LoadCase[] = [
  {
    id: 'bare',
    label: 'bare Fastify 204',
    load: (s) => ({ server: s.bare, url: `http://127.0.0.1:${s.bare.port}/`, headers: {} }),
  },
  {
    // No target: shows what the forwarded request alone (its larger header block) costs bare Fastify.
    id: 'bareSameHeaders',
    label: 'bare Fastify 204, check\'s request headers',
    load: (s) => ({ server: s.bare, url: `http://127.0.0.1:${s.bare.port}/`, headers: { ...FORWARD_AUTH_HEADERS, Cookie: s.sessionCookie } }),
  },
  {
    id: 'nodeFloor',
    label: 'Node http floor: check\'s request, no judging',
    load: (s) => ({ server: s.floor, url: `http://127.0.0.1:${s.floor.port}/api/authz/forward-auth`, headers: { ...FORWARD_AUTH_HEADERS, Cookie: s.sessionCookie } }),
  },
  {
    id: 'check',
    label: 'forward-auth check (valid session)',
    load: checkLoad,
  },
  {
    id: 'checkUnderStorm',
    label: `check during a login storm (${STORM_CLIENTS} clients)`,
    load: checkLoad,
    async before(s) {
      storm = await startLoginStorm(join(ROOT, 'test/bench/login-storm.mjs'), LOAD_CPU, { port: s.gatehouse.port, clients: STORM_CLIENTS, origin: PORTAL_URL });
    },
    async after() {
      const result = await storm!.stop();
      storm = undefined;
      stormResults.push(result);
    },
    pids: () => (storm ? [storm.pid] : []),
  },
];

/** One measured run of one case. */
interface Run {
  readonly wrk: WrkResult;
  /** Server CPU time (user + system) per request, in µs. */
  readonly serverCpuMicrosPerRequest: number;
  /** Share of all CPUs (0–1) that other processes used during the run. */
  readonly otherLoad: number;
}

/** A case's figures: the median of each over the rounds. */
interface CaseFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuMicrosPerRequest: number;
  readonly otherLoad: number;
  readonly runs: readonly Run[];
}

interface Measurements {
  readonly cases: Readonly<Record<string, CaseFigures>>;
  /** The storm on its own, with no check load: how fast Gatehouse answers wrong passwords when the CPU is free. */
  readonly stormAlone: StormResult;
  readonly rssIdleMiB: number;
  readonly rssAfterLoadMiB: number;
}

/** A quality bar: `value` compared with `limit`. */
interface Target {
  readonly id: string;
  readonly label: string;
  readonly op: '>=' | '<=';
  readonly limit: number;
  readonly unit: string;
  value(m: Measurements): number;
}

const TARGETS: readonly Target[] = [
  { id: 'checkThroughputRatio', label: 'check req/s ÷ bare req/s', op: '>=', limit: 0.8, unit: '×', value: (m) => m.cases.check!.requestsPerSecond / m.cases.bare!.requestsPerSecond },
  { id: 'checkP99Ratio', label: 'check p99 ÷ bare p99', op: '<=', limit: 2.0, unit: '×', value: (m) => m.cases.check!.p99Ms / m.cases.bare!.p99Ms },
  { id: 'stormP99Ratio', label: 'check p99 in login storm ÷ idle check p99', op: '<=', limit: 3.0, unit: '×', value: (m) => m.cases.checkUnderStorm!.p99Ms / m.cases.check!.p99Ms },
  { id: 'rssIdleMiB', label: 'Gatehouse RSS idle', op: '<=', limit: 80, unit: 'MiB', value: (m) => m.rssIdleMiB },
  { id: 'rssAfterLoadMiB', label: 'Gatehouse RSS after load', op: '<=', limit: 150, unit: 'MiB', value: (m) => m.rssAfterLoadMiB },
];

/** Figures printed for reading the targets, with no target of their own. */
const INFO: ReadonlyArray<{ readonly id: string; readonly label: string; value(m: Measurements): number }> = [
  { id: 'bareSameHeadersThroughputRatio', label: 'bare with check\'s headers ÷ bare req/s', value: (m) => m.cases.bareSameHeaders!.requestsPerSecond / m.cases.bare!.requestsPerSecond },
  { id: 'nodeFloorThroughputRatio', label: 'Node http floor ÷ bare req/s', value: (m) => m.cases.nodeFloor!.requestsPerSecond / m.cases.bare!.requestsPerSecond },
  { id: 'checkVsNodeFloorThroughputRatio', label: 'check ÷ Node http floor req/s', value: (m) => m.cases.check!.requestsPerSecond / m.cases.nodeFloor!.requestsPerSecond },
  { id: 'checkVsSameHeadersThroughputRatio', label: 'check ÷ bare with check\'s headers req/s', value: (m) => m.cases.check!.requestsPerSecond / m.cases.bareSameHeaders!.requestsPerSecond },
  { id: 'checkCpuRatio', label: 'check ÷ bare server CPU per request', value: (m) => m.cases.check!.serverCpuMicrosPerRequest / m.cases.bare!.serverCpuMicrosPerRequest },
];

/** The loaded requests must take the path being measured: allowed with the session, refused without. */
async function checkSessionWorks(port: number, cookie: string): Promise<void> {
  const withSession = await httpRequest(port, 'GET', '/api/authz/forward-auth', { ...FORWARD_AUTH_HEADERS, cookie });
  if (withSession.status !== 200 || withSession.headers['remote-user'] !== BENCH_USER) {
    throw new Error(`check with the session gave ${withSession.status} (remote-user ${String(withSession.headers['remote-user'])}), expected 200 as ${BENCH_USER}`);
  }
  const without = await httpRequest(port, 'GET', '/api/authz/forward-auth', { ...FORWARD_AUTH_HEADERS });
  if (without.status !== 401) throw new Error(`check without a session gave ${without.status}, expected 401`);
}

async function measure(spec: LoadSpec, pids: readonly number[]): Promise<Run> {
  // Snapshots must name the same processes at both ends, so the list is fixed for this run.
  const cpuBefore = processCpuMicros(spec.server.pid);
  const before = snapshot(pids);
  const wrk = await runWrk({ url: spec.url, headers: spec.headers, connections: CONNECTIONS, threads: THREADS, cpu: LOAD_CPU, durationSeconds: DURATION_SECONDS });
  const load = otherLoad(before, snapshot(pids));
  const cpu = processCpuMicros(spec.server.pid) - cpuBefore;
  return { wrk, serverCpuMicrosPerRequest: cpu / Math.max(1, wrk.requests), otherLoad: load };
}

function figures(runs: readonly Run[]): CaseFigures {
  return {
    requestsPerSecond: median(runs.map((r) => r.wrk.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.wrk.p50Ms)),
    p99Ms: median(runs.map((r) => r.wrk.p99Ms)),
    serverCpuMicrosPerRequest: median(runs.map((r) => r.serverCpuMicrosPerRequest)),
    otherLoad: Math.max(...runs.map((r) => r.otherLoad)),
    runs,
  };
}

const fmtValue = (n: number, unit: string) => (unit === '×' ? `${n.toFixed(2)}×` : `${n.toFixed(1)} ${unit}`);

function report(m: Measurements, gatehouse: BenchServer): void {
  const lines: string[] = [''];
  lines.push(`Gatehouse bench — node ${process.version}; servers on CPU ${SERVER_CPU}, wrk on CPU ${LOAD_CPU}; wrk -t${THREADS} -c${CONNECTIONS} --latency;`);
  lines.push(`${ROUNDS} interleaved round(s) of ${DURATION_SECONDS} s per case after a ${WARMUP_SECONDS} s warm-up; figures are medians over the rounds`);
  lines.push('');
  const rows = CASES.map((c) => {
    const f = m.cases[c.id]!;
    return [c.label, fmtInt(f.requestsPerSecond), fmtMs(f.p50Ms), fmtMs(f.p99Ms), f.serverCpuMicrosPerRequest.toFixed(1), pct(f.otherLoad)];
  });
  lines.push(...table(['case', 'req/s', 'p50', 'p99', 'server CPU µs/req', 'other load (max)'], rows, new Set([0])));
  lines.push('');
  for (const c of CASES) {
    const runs = m.cases[c.id]!.runs.map((r) => `${fmtInt(r.wrk.requestsPerSecond)} req/s, p99 ${fmtMs(r.wrk.p99Ms)}, other ${pct(r.otherLoad)}`);
    lines.push(`rounds, ${c.id}: ${runs.join(' | ')}`);
  }
  const stormRates = stormResults.map((r) => `${(r.answered / r.seconds).toFixed(1)} wrong-password answers/s (${Object.entries(r.statuses).map(([status, n]) => `${n}× ${status}`).join(', ')})`);
  lines.push(`login storm, per measured run: ${stormRates.join(' | ')}`);
  const alone = m.stormAlone;
  lines.push(`login storm alone (no check load): ${(alone.answered / alone.seconds).toFixed(1)} wrong-password answers/s (${Object.entries(alone.statuses).map(([status, n]) => `${n}× ${status}`).join(', ')}): bcrypt runs at nice 19, so under a saturating check load the storm waits, not the checks`);
  lines.push('');

  const problems: string[] = [];
  for (const c of CASES) {
    for (const r of m.cases[c.id]!.runs) {
      if (r.wrk.non2xx3xx > 0) problems.push(`${c.id}: ${r.wrk.non2xx3xx} non-2xx/3xx responses`);
      if (r.wrk.socketErrors > 0) problems.push(`${c.id}: ${r.wrk.socketErrors} socket errors`);
    }
  }
  // Anything but 401 means the storm was turned away before bcrypt ran, and measured nothing.
  for (const r of [...stormResults, m.stormAlone]) {
    const other = Object.entries(r.statuses).filter(([status]) => status !== '401');
    if (other.length > 0 || r.answered === 0) problems.push(`login storm: answers other than 401 (${JSON.stringify(r.statuses)})`);
    if (r.errors > 0) problems.push(`login storm: ${r.errors} request errors`);
  }
  const noisy = CASES.some((c) => m.cases[c.id]!.otherLoad > QUIET_LOAD);
  const results = TARGETS.map((t) => {
    const value = t.value(m);
    const pass = problems.length === 0 && (t.op === '>=' ? value >= t.limit : value <= t.limit);
    return { target: t, value, pass };
  });
  const labelWidth = Math.max(...TARGETS.map((t) => t.label.length), ...INFO.map((i) => i.label.length));
  for (const { target: t, value, pass } of results) {
    lines.push(`${t.label.padEnd(labelWidth)}  ${fmtValue(value, t.unit).padStart(10)}  target ${t.op === '>=' ? '≥' : '≤'} ${fmtValue(t.limit, t.unit).padEnd(9)}  ${pass ? 'PASS' : 'FAIL'}`);
  }
  for (const info of INFO) lines.push(`${info.label.padEnd(labelWidth)}  ${fmtValue(info.value(m), '×').padStart(10)}  (info)`);
  const passed = results.filter((r) => r.pass).length;
  lines.push('');
  if (problems.length > 0) lines.push(`INVALID RUN (every target counts as failed): ${problems.join('; ')}`);
  if (noisy) lines.push(`NOISY RUN: other processes used more than ${pct(QUIET_LOAD)} of the CPUs during a measured run; rerun on a quiet machine before trusting the figures.`);
  if (gatehouse.logLines.length > 0) lines.push(`note: Gatehouse wrote ${gatehouse.logLines.length} log line(s) at warn or above; first: ${gatehouse.logLines[0]}`);
  lines.push(passed === results.length ? `VERDICT: PASS — all ${results.length} targets met${noisy ? ' (noisy run)' : ''}` : `VERDICT: FAIL — ${results.length - passed} of ${results.length} targets missed${noisy ? ' (noisy run)' : ''}`);

  const json = {
    bench: 'gatehouse',
    at: new Date().toISOString(),
    node: process.version,
    setup: { threads: THREADS, connections: CONNECTIONS, rounds: ROUNDS, warmupSeconds: WARMUP_SECONDS, durationSeconds: DURATION_SECONDS, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU },
    cases: Object.fromEntries(
      CASES.map((c) => {
        const f = m.cases[c.id]!;
        return [
          c.id,
          {
            label: c.label,
            requestsPerSecond: round(f.requestsPerSecond, 1),
            p50Ms: round(f.p50Ms, 3),
            p99Ms: round(f.p99Ms, 3),
            serverCpuMicrosPerRequest: round(f.serverCpuMicrosPerRequest, 2),
            otherLoadMax: round(f.otherLoad, 3),
            runs: f.runs.map((r) => ({ requestsPerSecond: round(r.wrk.requestsPerSecond, 1), p50Ms: round(r.wrk.p50Ms, 3), p99Ms: round(r.wrk.p99Ms, 3), requests: r.wrk.requests, non2xx3xx: r.wrk.non2xx3xx, socketErrors: r.wrk.socketErrors, otherLoad: round(r.otherLoad, 3) })),
          },
        ];
      }),
    ),
    loginStormAlone: { answered: m.stormAlone.answered, seconds: round(m.stormAlone.seconds, 1), statuses: m.stormAlone.statuses },
    loginStorm: stormResults.map((r) => ({ answered: r.answered, seconds: round(r.seconds, 1), statuses: r.statuses, errors: r.errors })),
    memory: { rssIdleMiB: round(m.rssIdleMiB, 1), rssAfterLoadMiB: round(m.rssAfterLoadMiB, 1) },
    targets: Object.fromEntries(results.map(({ target: t, value, pass }) => [t.id, { value: round(value, 3), op: t.op, limit: t.limit, pass }])),
    info: Object.fromEntries(INFO.map((info) => [info.id, round(info.value(m), 3)])),
    noisy,
    valid: problems.length === 0,
    pass: passed === results.length,
  };
  lines.push(`BENCH_JSON ${JSON.stringify(json)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A userPassword data dir with one admin, and that admin's password. */
async function writeUserPasswordDataDir(): Promise<{ dataDir: string; password: string }> {
  const dataDir = await writeDataDir({ version: 1, mode: 'userPassword', domains: ['example.com'] });
  return { dataDir, password: addUser(dataDir, BENCH_USER, 'admin') };
}

/** The Redis-backend case (redis-case.ts), after the others or alone with BENCH_ONLY=redis. */
const benchRedis = () =>
  runRedisCase({
    root: ROOT, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU, connections: CONNECTIONS, threads: THREADS, rounds: ROUNDS, warmupSeconds: WARMUP_SECONDS, durationSeconds: DURATION_SECONDS,
    portalUrl: PORTAL_URL, forwardAuthHeaders: FORWARD_AUTH_HEADERS, makeDataDir: writeUserPasswordDataDir,
    login: (port, password) => jsonLogin(port, PORTAL_URL, { username: BENCH_USER, password }), waitQuiet: (pids) => new QuietWaiter(MAX_WAIT_SECONDS).wait(pids), log,
  });

/** The embedded store's growth table (growth.ts), after the others or alone with BENCH_ONLY=growth. */
const benchGrowth = async (): Promise<void> => {
  await runGrowth({
    root: ROOT, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU, rounds: ROUNDS, durationSeconds: DURATION_SECONDS, connections: CONNECTIONS, portalUrl: PORTAL_URL,
    serverEnv: gatehouseEnv({ dataDir: '', secret: randomBytes(36).toString('base64url') /* 48 characters */, portalUrl: PORTAL_URL }), log,
  });
};

async function main(): Promise<void> {
  preflight();
  build();
  if (process.env.BENCH_ONLY === 'growth') return benchGrowth();
  if (process.env.BENCH_ONLY === 'redis') return benchRedis();
  const { dataDir, password } = await writeUserPasswordDataDir();
  const started: BenchServer[] = [];
  try {
    const bare = await startPinnedServer('bare Fastify', join(ROOT, 'test/bench/bare-server.mjs'), SERVER_CPU, { ...process.env, NODE_ENV: 'production' });
    started.push(bare);
    const floor = await startPinnedServer('Node http floor', join(ROOT, 'test/bench/floor-server.mjs'), SERVER_CPU, { ...process.env, NODE_ENV: 'production' });
    started.push(floor);
    const gatehouse = await startGatehouse('Gatehouse', dataDir, PORTAL_URL);
    started.push(gatehouse);
    const sessionCookie = await jsonLogin(gatehouse.port, PORTAL_URL, { username: BENCH_USER, password });
    await checkSessionWorks(gatehouse.port, sessionCookie);
    // Idle means idle for a while: the password workers the login started stop after 30 s without work.
    log(`waiting ${IDLE_SETTLE_SECONDS} s for Gatehouse to go idle before reading its idle memory…`);
    await sleep(IDLE_SETTLE_SECONDS * 1000);
    const rssIdleMiB = gatehouse.rssMiB();

    const servers: Servers = { bare, floor, gatehouse, sessionCookie };
    const pids = started.map((s) => s.pid);
    const quiet = new QuietWaiter(MAX_WAIT_SECONDS);
    const runs = new Map<string, Run[]>(CASES.map((c) => [c.id, []]));
    for (const c of CASES) {
      const spec = c.load(servers);
      log(`warming up ${c.label} (${WARMUP_SECONDS} s)…`);
      await c.before?.(servers);
      await runWrk({ url: spec.url, headers: spec.headers, connections: CONNECTIONS, threads: THREADS, cpu: LOAD_CPU, durationSeconds: WARMUP_SECONDS });
      await c.after?.(servers);
    }
    stormResults.length = 0; // warm-up storms are not reported
    // The storm with the CPU to itself: the bcrypt throughput that checks take priority over.
    await quiet.wait(pids);
    log(`login storm alone (${DURATION_SECONDS} s)…`);
    const alone = await startLoginStorm(join(ROOT, 'test/bench/login-storm.mjs'), LOAD_CPU, { port: gatehouse.port, clients: STORM_CLIENTS, origin: PORTAL_URL });
    await sleep(DURATION_SECONDS * 1000);
    const stormAlone = await alone.stop();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const c of CASES) {
        let run: Run | undefined;
        for (let attempt = 1; attempt <= ATTEMPTS && (run === undefined || run.otherLoad > QUIET_LOAD); attempt++) {
          if (run) log(`  other processes used ${pct(run.otherLoad)} of the CPUs during that run; repeating it`);
          await quiet.wait(pids);
          log(`round ${round}/${ROUNDS}: ${c.label} (${DURATION_SECONDS} s)…`);
          await c.before?.(servers);
          run = await measure(c.load(servers), [...pids, ...(c.pids?.() ?? [])]);
          await c.after?.(servers);
        }
        runs.get(c.id)!.push(run!);
      }
    }
    const rssAfterLoadMiB = gatehouse.rssMiB();
    const cases = Object.fromEntries(CASES.map((c) => [c.id, figures(runs.get(c.id)!)]));
    report({ cases, stormAlone, rssIdleMiB, rssAfterLoadMiB }, gatehouse);
  } finally {
    await Promise.all(started.map((s) => s.stop()));
    await rm(dataDir, { recursive: true, force: true });
  }
  await benchGrowth();
  await benchRedis();
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
