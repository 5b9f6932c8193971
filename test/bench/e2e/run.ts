/**
 * `npm run bench:e2e`: Gatehouse measured the way users meet it, behind real nginx and real
 * Caddy running the configs README.md shows.
 *
 * Per proxy, five cases, each a request from wrk to the proxy for a protected page:
 * - no auth: the proxy sends the request straight to the app;
 * - proxy as auth: README's snippet, with the proxy's own 204 responder in place of Gatehouse
 *   (the most an auth subrequest through that proxy can give);
 * - bare Fastify: README's snippet asking a bare Fastify app that answers 204;
 * - Gatehouse, token mode and userPassword mode, each with a real session cookie from a login.
 * The three auth servers sit behind the same snippet (only the `gatehouse` address differs),
 * read from README.md when the bench starts, so whatever README configures is what is measured.
 *
 * The proxies, the auth servers and the app are pinned to CPU 0, wrk to CPU 1. Cases run in
 * interleaved rounds (every case of every proxy, then again) and each figure is the median
 * over the rounds. Before each run the bench waits for the machine to be quiet and repeats a
 * run that other processes disturbed (up to 3 attempts).
 *
 * Exit code 0 whatever the figures (this is a measurement); non-zero only when the bench
 * could not run. The table and the BENCH_E2E_JSON line give checks/s, p99 and the ratios.
 *
 * Environment: BENCH_E2E_ROUNDS (3), BENCH_E2E_WARMUP_SECONDS (2), BENCH_E2E_DURATION_SECONDS (8),
 * BENCH_E2E_CONNECTIONS (50), BENCH_E2E_PROXIES (nginx,caddy), BENCH_E2E_GROWTH=1 (Gatehouse
 * with 10k live sessions and 1,000 rules), BENCH_E2E_README (another README.md to read the
 * snippets from), BENCH_E2E_CPU_PROF=<dir> (Gatehouse writes CPU profiles there), BENCH_MAX_WAIT_SECONDS (300), BENCH_SKIP_BUILD=1 (use dist/ as is).
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../../support/proxies.js';
import { build, envNumber, LOAD_CPU, log, preflight, QUIET_LOAD, QuietWaiter, ROOT, SERVER_CPU, pct } from '../bench-kit.js';
import { otherLoad, processCpuMicros, snapshot } from '../cpu-usage.js';
import { addUser, jsonLogin, startGatehouse, writeDataDir } from '../gatehouse-setup.js';
import { httpRequest, startPinnedServer, type BenchServer } from '../servers.js';
import { runWrk, type WrkResult } from '../wrk.js';
import { growthRules, GROWTH_RULES, GROWTH_SESSIONS, seedSessions } from './growth.js';
import { startPinnedProxy, type PinnedProxy, type ProxyKind } from './pinned-proxy.js';
import { NO_AUTH_HOST } from './proxy-configs.js';
import { APP_HOST, PORTAL_HOST, readmeBlock } from './readme-snippets.js';
import { CASE_IDS, report, type CaseId, type CaseRun, type Setup } from './report.js';

const ROUNDS = envNumber('BENCH_E2E_ROUNDS', 3);
const WARMUP_SECONDS = envNumber('BENCH_E2E_WARMUP_SECONDS', 2);
const DURATION_SECONDS = envNumber('BENCH_E2E_DURATION_SECONDS', 8);
const CONNECTIONS = envNumber('BENCH_E2E_CONNECTIONS', 50);
const MAX_WAIT_SECONDS = envNumber('BENCH_MAX_WAIT_SECONDS', 300);
const GROWTH = process.env.BENCH_E2E_GROWTH === '1';
/** BENCH_E2E_CPU_PROF=<dir>: each Gatehouse writes a V8 CPU profile there when it stops. */
const CPU_PROF_DIR = process.env.BENCH_E2E_CPU_PROF;
const GATEHOUSE_NODE_ARGS = CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [];
const PROXIES = (process.env.BENCH_E2E_PROXIES ?? 'nginx,caddy').split(',').map((p) => p.trim()) as ProxyKind[];
const ATTEMPTS = 3;
const THREADS = 1;
const PATH = '/dashboard?tab=1';
const PORTAL_URL = `http://${PORTAL_HOST}`;
const BENCH_USER = 'bench';

/** What one case loads through one proxy, and what the app must answer (the Remote-User it saw). */
interface Target {
  readonly proxy: PinnedProxy;
  readonly host: string;
  readonly cookie?: string;
  readonly remoteUser: string;
  /** Processes doing the work of this case: proxy, auth server, app. */
  readonly pids: readonly number[];
  /** The auth server's process, when it is not the proxy itself. */
  readonly authPid?: number;
}

interface AuthServers {
  readonly upstream: BenchServer;
  readonly bare: BenchServer;
  readonly token: BenchServer;
  readonly tokenCookie: string;
  readonly userPassword: BenchServer;
  readonly userPasswordCookie: string;
}

async function gatehouseDataDir(mode: 'token' | 'userPassword', token: string): Promise<string> {
  const config = {
    version: 1,
    mode,
    domains: ['example.com'],
    allowHttp: true,
    ...(mode === 'token' ? { token: { hash: sha256Hex(token) } } : {}),
    ...(GROWTH ? { rules: growthRules(GROWTH_RULES, APP_HOST) } : {}),
  };
  const dataDir = await writeDataDir(config);
  if (GROWTH) await seedSessions(dataDir, mode, GROWTH_SESSIONS);
  return dataDir;
}

async function startAuthServers(started: Array<{ stop(): Promise<void> }>, dataDirs: string[]): Promise<AuthServers> {
  const env = { ...process.env, NODE_ENV: 'production' };
  const upstream = await startPinnedServer('app', join(ROOT, 'test/bench/e2e/upstream-server.mjs'), SERVER_CPU, env);
  started.push(upstream);
  const bare = await startPinnedServer('bare Fastify', join(ROOT, 'test/bench/bare-server.mjs'), SERVER_CPU, env);
  started.push(bare);

  const token = `gh-bench-${randomBytes(24).toString('base64url')}`;
  const tokenDir = await gatehouseDataDir('token', token);
  dataDirs.push(tokenDir);
  const tokenServer = await startGatehouse('Gatehouse (token)', tokenDir, PORTAL_URL, GATEHOUSE_NODE_ARGS);
  started.push(tokenServer);
  const tokenCookie = await jsonLogin(tokenServer.port, PORTAL_URL, { token });

  const userDir = await gatehouseDataDir('userPassword', token);
  dataDirs.push(userDir);
  const password = addUser(userDir, BENCH_USER, 'admin');
  const userServer = await startGatehouse('Gatehouse (userPassword)', userDir, PORTAL_URL, GATEHOUSE_NODE_ARGS);
  started.push(userServer);
  const userCookie = await jsonLogin(userServer.port, PORTAL_URL, { username: BENCH_USER, password });
  return { upstream, bare, token: tokenServer, tokenCookie, userPassword: userServer, userPasswordCookie: userCookie };
}

async function targetsFor(kind: ProxyKind, block: string, s: AuthServers, started: Array<{ stop(): Promise<void> }>): Promise<Record<CaseId, Target>> {
  const proxy = async (auth: number | 'responder') => {
    const p = await startPinnedProxy(kind, block, auth, s.upstream.port);
    started.push(p);
    return p;
  };
  const limit = await proxy('responder');
  const bare = await proxy(s.bare.port);
  const token = await proxy(s.token.port);
  const userPassword = await proxy(s.userPassword.port);
  const app = s.upstream.pid;
  return {
    noAuth: { proxy: limit, host: NO_AUTH_HOST, remoteUser: '', pids: [limit.pid, app] },
    proxyAsAuth: { proxy: limit, host: APP_HOST, remoteUser: '', pids: [limit.pid, app] },
    bareFastify: { proxy: bare, host: APP_HOST, remoteUser: '', pids: [bare.pid, s.bare.pid, app], authPid: s.bare.pid },
    gatehouseToken: { proxy: token, host: APP_HOST, cookie: s.tokenCookie, remoteUser: 'token', pids: [token.pid, s.token.pid, app], authPid: s.token.pid },
    gatehouseUserPassword: { proxy: userPassword, host: APP_HOST, cookie: s.userPasswordCookie, remoteUser: BENCH_USER, pids: [userPassword.pid, s.userPassword.pid, app], authPid: s.userPassword.pid },
  };
}

const headersFor = (t: Target): Record<string, string> => ({ Host: `${t.host}:${t.proxy.port}`, ...(t.cookie ? { Cookie: t.cookie } : {}) });

/** The loaded request must take the path being measured: through to the app as the right user; refused without the cookie. */
async function probe(id: CaseId, t: Target): Promise<void> {
  const res = await httpRequest(t.proxy.port, 'GET', PATH, headersFor(t));
  if (res.status !== 200 || res.body !== t.remoteUser) {
    throw new Error(`${t.proxy.kind} ${id}: expected 200 from the app as ${JSON.stringify(t.remoteUser)}, got ${res.status} ${JSON.stringify(res.body.slice(0, 200))}`);
  }
  if (!t.cookie) return;
  const without = await httpRequest(t.proxy.port, 'GET', PATH, { Host: headersFor(t).Host!, Accept: 'application/json' });
  if (without.status !== 401) throw new Error(`${t.proxy.kind} ${id}: without the session cookie expected 401, got ${without.status}`);
}

function load(t: Target, durationSeconds: number): Promise<WrkResult> {
  return runWrk({ url: `http://127.0.0.1:${t.proxy.port}${PATH}`, headers: headersFor(t), connections: CONNECTIONS, threads: THREADS, cpu: LOAD_CPU, durationSeconds });
}

async function measure(t: Target, allPids: readonly number[]): Promise<CaseRun> {
  const cpu = () => t.pids.reduce((sum, pid) => sum + processCpuMicros(pid), 0);
  const authCpu = () => (t.authPid === undefined ? 0 : processCpuMicros(t.authPid));
  const [cpuBefore, authBefore] = [cpu(), authCpu()];
  const before = snapshot(allPids);
  const wrk = await load(t, DURATION_SECONDS);
  const busy = otherLoad(before, snapshot(allPids));
  const requests = Math.max(1, wrk.requests);
  return { wrk, serverCpuMicrosPerRequest: (cpu() - cpuBefore) / requests, authCpuMicrosPerRequest: t.authPid === undefined ? null : (authCpu() - authBefore) / requests, otherLoad: busy };
}

async function main(): Promise<void> {
  preflight();
  build();
  const blocks = { nginx: await readmeBlock('nginx'), caddy: await readmeBlock('caddyfile') };
  const started: Array<{ stop(): Promise<void> }> = [];
  const dataDirs: string[] = [];
  try {
    log(GROWTH ? `starting servers (Gatehouse seeded with ${GROWTH_SESSIONS} sessions and ${GROWTH_RULES} rules)…` : 'starting servers…');
    const servers = await startAuthServers(started, dataDirs);
    const targets = new Map<ProxyKind, Record<CaseId, Target>>();
    for (const kind of PROXIES) {
      if (kind !== 'nginx' && kind !== 'caddy') throw new Error(`BENCH_E2E_PROXIES: unknown proxy ${kind} (nginx, caddy)`);
      const t = await targetsFor(kind, blocks[kind], servers, started);
      for (const id of CASE_IDS) await probe(id, t[id]);
      targets.set(kind, t);
    }
    const allPids = [...new Set([...targets.values()].flatMap((t) => CASE_IDS.flatMap((id) => t[id].pids)).concat(servers.token.pid, servers.userPassword.pid))];
    for (const [kind, t] of targets) {
      for (const id of CASE_IDS) {
        log(`warming up ${kind} ${id} (${WARMUP_SECONDS} s)…`);
        await load(t[id], WARMUP_SECONDS);
      }
    }
    const quiet = new QuietWaiter(MAX_WAIT_SECONDS);
    const runs = new Map<string, CaseRun[]>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [kind, t] of targets) {
        for (const id of CASE_IDS) {
          let run: CaseRun | undefined;
          for (let attempt = 1; attempt <= ATTEMPTS && (run === undefined || run.otherLoad > QUIET_LOAD); attempt++) {
            if (run) log(`  other processes used ${pct(run.otherLoad)} of the CPUs during that run; repeating it`);
            await quiet.wait(allPids);
            log(`round ${round}/${ROUNDS}: ${kind} ${id} (${DURATION_SECONDS} s)…`);
            run = await measure(t[id], allPids);
          }
          const key = `${kind}.${id}`;
          runs.set(key, [...(runs.get(key) ?? []), run!]);
        }
      }
    }
    const setup: Setup = { proxies: PROXIES, rounds: ROUNDS, warmupSeconds: WARMUP_SECONDS, durationSeconds: DURATION_SECONDS, connections: CONNECTIONS, threads: THREADS, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU, growth: GROWTH ? { sessions: GROWTH_SESSIONS, rules: GROWTH_RULES } : null };
    report(setup, runs, [servers.token, servers.userPassword]);
  } finally {
    for (const s of started.reverse()) await s.stop();
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:e2e failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
