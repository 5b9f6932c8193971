/**
 * The growth table of `npm run bench` (alone: BENCH_ONLY=growth): what the embedded store costs
 * as it fills. For 0, 10k and 100k live sessions (GROWTH_SIZES), a token-mode Gatehouse boots
 * from a journal seeded straight on disk and is measured for: boot time (spawn to listening),
 * RSS once booted, forward-auth check p99 and req/s while 2 logins/s go on, and logins/s with
 * 8 clients signing in through the portal's POST /login. Then 50,000 logins through POST /login
 * on an empty store, timed; and check req/s with 10 and with 1,000 access rules.
 *
 * Servers are pinned to the server CPU, wrk and the login clients to the load CPU, as in the
 * main bench; check cases run in interleaved rounds and figures are medians.
 */
import { performance } from 'node:perf_hooks';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { otherLoad, snapshot } from './cpu-usage.js';
import { writeGrowthDataDir, type GrowthDataDir } from './growth-seed.js';
import { httpRequest, setCookieValue, startPinnedServer, type BenchServer } from './servers.js';
import { startLoginStorm, type StormResult } from './storm.js';
import { runWrk, type WrkResult } from './wrk.js';

export interface GrowthOptions {
  readonly root: string;
  readonly serverCpu: string;
  readonly loadCpu: string;
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly connections: number;
  readonly portalUrl: string;
  /** Environment for the Gatehouse processes (secret, log level…), without the data dir. */
  readonly serverEnv: NodeJS.ProcessEnv;
  log(line: string): void;
}

const DOMAIN = 'example.com';
const HOST = `app.${DOMAIN}`;
const SIZES = (process.env.GROWTH_SIZES ?? '0,10000,100000').split(',').map(Number);
const LOGIN_TARGET = Number(process.env.GROWTH_LOGINS ?? 50_000);
const LOGIN_TARGET_SECONDS = 90;
const BURST_SECONDS = 5;
const BURST_CLIENTS = 8;
const RULE_COUNTS = [10, 1_000] as const;

const CHECK_HEADERS = { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': HOST, 'X-Forwarded-Uri': '/dashboard', 'X-Forwarded-For': '203.0.113.7' };

interface Instance {
  readonly label: string;
  readonly data: GrowthDataDir;
  readonly server: BenchServer;
  readonly bootMs: number;
  readonly cookie: string;
}

/** One size's row of the table. */
interface SizeFigures {
  readonly sessions: number;
  readonly bootMs: number;
  readonly rssMiB: number;
  readonly checkP99Ms: number;
  readonly checkRps: number;
  readonly loginsPerSecond: number;
  readonly otherLoad: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Signs in with the instance token through the portal's form, as a browser does: GET the form, POST it back. */
async function tokenLogin(port: number, token: string, origin: string): Promise<string> {
  const page = await httpRequest(port, 'GET', '/login', {});
  const csrfCookie = setCookieValue(page.headers, 'gatehouse_csrf');
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!csrfCookie || !csrf) throw new Error(`GET /login gave no form token (${page.status})`);
  const body = new URLSearchParams({ csrf, token }).toString();
  const res = await httpRequest(port, 'POST', '/login', { 'content-type': 'application/x-www-form-urlencoded', cookie: `gatehouse_csrf=${csrfCookie}`, origin }, body);
  const session = setCookieValue(res.headers, 'gatehouse_session');
  if (res.status !== 303 || !session) throw new Error(`POST /login gave ${res.status} without a session:\n${res.body}`);
  const check = await httpRequest(port, 'GET', '/api/authz/forward-auth', { ...CHECK_HEADERS, cookie: `gatehouse_session=${session}` });
  if (check.status !== 200) throw new Error(`a check with the new session gave ${check.status}, expected 200`);
  return `gatehouse_session=${session}`;
}

async function startInstance(o: GrowthOptions, label: string, sessions: number, rules: number): Promise<Instance> {
  o.log(`growth: seeding ${label}…`);
  const data = await writeGrowthDataDir({ sessions, rules, host: HOST, domain: DOMAIN });
  const began = performance.now();
  const server = await startPinnedServer(`Gatehouse (${label})`, join(o.root, 'test/bench/gatehouse-server.mjs'), o.serverCpu, { ...o.serverEnv, GATEHOUSE_DATA_DIR: data.dataDir });
  const bootMs = performance.now() - began;
  const cookie = await tokenLogin(server.port, data.token, o.portalUrl);
  o.log(`growth: ${label} booted in ${bootMs.toFixed(0)} ms`);
  return { label, data, server, bootMs, cookie };
}

function loginClients(o: GrowthOptions, instance: Instance, clients: number, extra: Record<string, string>) {
  return startLoginStorm(join(o.root, 'test/bench/token-logins.mjs'), o.loadCpu, { port: instance.server.port, clients, origin: o.portalUrl, extra: { LOGIN_TOKEN: instance.data.token, ...extra } });
}

function loginsOf(result: StormResult): number {
  return result.statuses['303'] ?? 0;
}

/** A wrk run of the check against `instance`, with what other processes took meanwhile. */
async function checkRun(o: GrowthOptions, instance: Instance, pids: readonly number[]): Promise<{ wrk: WrkResult; otherLoad: number }> {
  const before = snapshot(pids);
  const wrk = await runWrk({ url: `http://127.0.0.1:${instance.server.port}/api/authz/forward-auth`, headers: { ...CHECK_HEADERS, Cookie: instance.cookie }, connections: o.connections, threads: 1, cpu: o.loadCpu, durationSeconds: o.durationSeconds });
  return { wrk, otherLoad: otherLoad(before, snapshot(pids)) };
}

/** The check under a trickle of logins: one client signing in every 500 ms. */
async function checkDuringLogins(o: GrowthOptions, instance: Instance, pids: readonly number[]) {
  const trickle = await loginClients(o, instance, 1, { LOGIN_INTERVAL_MS: '500' });
  const run = await checkRun(o, instance, [...pids, trickle.pid]);
  const logins = await trickle.stop();
  return { ...run, logins };
}

export interface GrowthReport {
  readonly sizes: readonly SizeFigures[];
  readonly bulkLogins: { readonly count: number; readonly seconds: number; readonly statuses: Readonly<Record<string, number>> };
  readonly rules: ReadonlyArray<{ readonly rules: number; readonly checkRps: number; readonly checkP99Ms: number }>;
  readonly problems: readonly string[];
}

/** Runs the growth measurements and prints their table, targets and a GROWTH_JSON line. */
export async function runGrowth(o: GrowthOptions): Promise<GrowthReport> {
  const instances: Instance[] = [];
  const problems: string[] = [];
  try {
    // Booted one at a time, each on a machine where the others sit idle.
    for (const size of SIZES) instances.push(await startInstance(o, `${size.toLocaleString('en-US')} sessions`, size, 1));
    const ruleInstances: Instance[] = [];
    for (const rules of RULE_COUNTS) {
      const instance = await startInstance(o, `${rules.toLocaleString('en-US')} rules`, 0, rules);
      instances.push(instance);
      ruleInstances.push(instance);
    }
    const sizeInstances = instances.slice(0, SIZES.length);
    const pids = instances.map((i) => i.server.pid);
    await sleep(2_000);
    const rss = sizeInstances.map((i) => i.server.rssMiB());

    o.log(`growth: warming up (${o.durationSeconds} s each)…`);
    for (const instance of instances) await checkRun(o, instance, pids);
    const underLogins = new Map<Instance, Array<Awaited<ReturnType<typeof checkDuringLogins>>>>(sizeInstances.map((i) => [i, []]));
    const ruleRuns = new Map<Instance, WrkResult[]>(ruleInstances.map((i) => [i, []]));
    for (let round = 1; round <= o.rounds; round++) {
      for (const instance of sizeInstances) {
        o.log(`growth round ${round}/${o.rounds}: check during 2 logins/s, ${instance.label} (${o.durationSeconds} s)…`);
        underLogins.get(instance)!.push(await checkDuringLogins(o, instance, pids));
      }
      for (const instance of ruleInstances) {
        o.log(`growth round ${round}/${o.rounds}: check with ${instance.label} (${o.durationSeconds} s)…`);
        ruleRuns.get(instance)!.push((await checkRun(o, instance, pids)).wrk);
      }
    }

    const bursts: number[] = [];
    for (const instance of sizeInstances) {
      o.log(`growth: logins with ${BURST_CLIENTS} clients, ${instance.label} (${BURST_SECONDS} s)…`);
      const burst = await loginClients(o, instance, BURST_CLIENTS, {});
      await sleep(BURST_SECONDS * 1000);
      const result = await burst.stop();
      bursts.push(loginsOf(result) / result.seconds);
      if (result.errors > 0 || result.answered !== loginsOf(result)) problems.push(`login burst (${instance.label}): ${JSON.stringify(result.statuses)}, ${result.errors} errors`);
    }

    o.log(`growth: ${LOGIN_TARGET.toLocaleString('en-US')} logins through POST /login on the empty store…`);
    const bulk = await loginClients(o, sizeInstances[0]!, BURST_CLIENTS, { LOGIN_COUNT: String(LOGIN_TARGET) });
    const bulkResult = await bulk.finished();

    const sizes: SizeFigures[] = sizeInstances.map((instance, i) => {
      const runs = underLogins.get(instance)!;
      for (const run of runs) {
        if (run.wrk.non2xx3xx > 0 || run.wrk.socketErrors > 0) problems.push(`check (${instance.label}): ${run.wrk.non2xx3xx} non-2xx/3xx, ${run.wrk.socketErrors} socket errors`);
        if (loginsOf(run.logins) === 0) problems.push(`check (${instance.label}): no login succeeded alongside`);
      }
      return {
        sessions: SIZES[i]!,
        bootMs: instance.bootMs,
        rssMiB: rss[i]!,
        checkP99Ms: median(runs.map((r) => r.wrk.p99Ms)),
        checkRps: median(runs.map((r) => r.wrk.requestsPerSecond)),
        loginsPerSecond: bursts[i]!,
        otherLoad: Math.max(...runs.map((r) => r.otherLoad)),
      };
    });
    const rules = ruleInstances.map((instance, i) => ({
      rules: RULE_COUNTS[i]!,
      checkRps: median(ruleRuns.get(instance)!.map((r) => r.requestsPerSecond)),
      checkP99Ms: median(ruleRuns.get(instance)!.map((r) => r.p99Ms)),
    }));
    const report: GrowthReport = { sizes, bulkLogins: { count: loginsOf(bulkResult), seconds: bulkResult.seconds, statuses: bulkResult.statuses }, rules, problems };
    printGrowth(o, report);
    return report;
  } finally {
    await Promise.all(instances.map((i) => i.server.stop()));
    await Promise.all(instances.map((i) => rm(i.data.dataDir, { recursive: true, force: true })));
  }
}

function printGrowth(o: GrowthOptions, r: GrowthReport): void {
  const lines = ['', `Growth: the embedded session store (token mode; check with wrk -t1 -c${o.connections}, ${o.rounds} round(s) of ${o.durationSeconds} s, medians)`, ''];
  const header = ['live sessions', 'boot', 'RSS', 'check p99 (2 logins/s)', 'check req/s', `logins/s (${BURST_CLIENTS} clients)`, 'other load'];
  const rows = r.sizes.map((s) => [s.sessions.toLocaleString('en-US'), `${(s.bootMs / 1000).toFixed(2)} s`, `${s.rssMiB.toFixed(1)} MiB`, `${s.checkP99Ms.toFixed(2)} ms`, Math.round(s.checkRps).toLocaleString('en-US'), Math.round(s.loginsPerSecond).toLocaleString('en-US'), `${(s.otherLoad * 100).toFixed(0)}%`]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  lines.push(line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '');
  for (const rule of r.rules) lines.push(`check with ${rule.rules.toLocaleString('en-US')} access rules: ${Math.round(rule.checkRps).toLocaleString('en-US')} req/s, p99 ${rule.checkP99Ms.toFixed(2)} ms`);
  lines.push(`${r.bulkLogins.count.toLocaleString('en-US')} logins through POST /login: ${r.bulkLogins.seconds.toFixed(1)} s (${Math.round(r.bulkLogins.count / r.bulkLogins.seconds)}/s; answers ${JSON.stringify(r.bulkLogins.statuses)})`, '');

  const empty = r.sizes.find((s) => s.sessions === 0);
  const largest = r.sizes.reduce((a, b) => (b.sessions > a.sessions ? b : a));
  const [few, many] = r.rules;
  const targets = [
    empty && largest.sessions > 0 ? { id: 'p99Ratio', label: `check p99 at ${largest.sessions.toLocaleString('en-US')} ÷ at 0 sessions`, value: largest.checkP99Ms / empty.checkP99Ms, limit: 2, unit: '×' } : undefined,
    empty && largest.sessions > 0 ? { id: 'rssPerSessionKiB', label: 'RSS per live session', value: ((largest.rssMiB - empty.rssMiB) * 1024) / largest.sessions, limit: 1, unit: 'KiB' } : undefined,
    { id: 'bootSeconds', label: `boot with ${largest.sessions.toLocaleString('en-US')} sessions`, value: largest.bootMs / 1000, limit: 3, unit: 's' },
    { id: 'bulkLoginSeconds', label: `${LOGIN_TARGET.toLocaleString('en-US')} logins through POST /login`, value: r.bulkLogins.count >= LOGIN_TARGET ? r.bulkLogins.seconds : Infinity, limit: LOGIN_TARGET_SECONDS, unit: 's' },
    few && many ? { id: 'rulesCostRatio', label: `check cost, ${many.rules.toLocaleString('en-US')} ÷ ${few.rules} rules`, value: few.checkRps / many.checkRps, limit: 1.5, unit: '×' } : undefined,
  ].filter((t) => t !== undefined);
  const width = Math.max(...targets.map((t) => t.label.length));
  const results = targets.map((t) => ({ ...t, pass: r.problems.length === 0 && t.value <= t.limit }));
  for (const t of results) lines.push(`${t.label.padEnd(width)}  ${t.unit === '×' ? `${t.value.toFixed(2)}×` : `${t.value.toFixed(2)} ${t.unit}`}`.padEnd(width + 14) + `  target ≤ ${t.limit}${t.unit === '×' ? '×' : ` ${t.unit}`}  ${t.pass ? 'PASS' : 'FAIL'}`);
  if (r.problems.length > 0) lines.push(`INVALID GROWTH RUN (every target counts as failed): ${r.problems.join('; ')}`);
  const passed = results.filter((t) => t.pass).length;
  lines.push(passed === results.length ? `GROWTH VERDICT: PASS — all ${results.length} targets met` : `GROWTH VERDICT: FAIL — ${results.length - passed} of ${results.length} targets missed`);
  const json = { bench: 'gatehouse-growth', at: new Date().toISOString(), node: process.version, ...r, targets: Object.fromEntries(results.map((t) => [t.id, { value: Math.round(t.value * 1000) / 1000, limit: t.limit, pass: t.pass }])) };
  lines.push(`GROWTH_JSON ${JSON.stringify(json)}`);
  o.log(lines.join('\n'));
}
