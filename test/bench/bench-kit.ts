/**
 * What both benches (`npm run bench`, `npm run bench:e2e`) need besides the servers and wrk:
 * environment knobs, the build step, waiting for a quiet machine, medians and table output.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { otherLoad, snapshot } from './cpu-usage.js';
import { assertWrkInstalled } from './wrk.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Servers (and proxies) run on this CPU, wrk on the other: the load never competes with what it measures. */
export const SERVER_CPU = '0';
export const LOAD_CPU = '1';
/** Other processes using more than this share of the CPUs make a run "noisy". */
export const QUIET_LOAD = 0.05;
/** Seconds in a row the machine must be quiet before a run starts. */
const QUIET_SECONDS = 3;

export function envNumber(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return n;
}

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function preflight(): void {
  assertWrkInstalled();
  if (spawnSync('taskset', ['-V']).error) throw new Error('taskset not found (util-linux): apt-get install -y util-linux');
  if (availableParallelism() < 2) throw new Error(`the bench pins servers to CPU ${SERVER_CPU} and wrk to CPU ${LOAD_CPU}: it needs at least 2 CPUs`);
}

/** `npm run build`, unless BENCH_SKIP_BUILD=1 says to bench the dist/ already there. */
export function build(): void {
  if (process.env.BENCH_SKIP_BUILD === '1') {
    log('BENCH_SKIP_BUILD=1: using dist/ as it is');
    return;
  }
  log('building Gatehouse (npm run build)…');
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed (BENCH_SKIP_BUILD=1 benches the dist/ already there)');
}

/** Waits (within the whole bench's budget) until other processes have left the CPUs alone for a while. */
export class QuietWaiter {
  private waitedMs = 0;

  constructor(private readonly maxWaitSeconds: number) {}

  async wait(pids: readonly number[]): Promise<void> {
    let quietFor = 0;
    while (quietFor < QUIET_SECONDS) {
      const from = snapshot(pids);
      await sleep(1000);
      const load = otherLoad(from, snapshot(pids));
      if (load <= QUIET_LOAD) {
        quietFor++;
        continue;
      }
      quietFor = 0;
      if (this.waitedMs >= this.maxWaitSeconds * 1000) return;
      if (this.waitedMs % 15_000 === 0) log(`  waiting for the machine to be quiet: other processes use ${pct(load)} of the CPUs…`);
      this.waitedMs += 1000;
    }
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export const fmtMs = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
export const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
export const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** A plain-text table; columns in `leftAligned` are padded on the right, the others on the left. */
export function table(header: string[], rows: string[][], leftAligned: ReadonlySet<number>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (leftAligned.has(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
