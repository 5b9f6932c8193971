import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export const WRK = '/usr/bin/wrk';

export interface WrkOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly threads: number;
  readonly durationSeconds: number;
  /** CPU list for `taskset -c`. */
  readonly cpu: string;
}

export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Responses outside 2xx/3xx: a non-zero count means the case measured the wrong thing. */
  readonly non2xx3xx: number;
  readonly socketErrors: number;
  readonly raw: string;
}

/** Throws with the install hint when wrk is not there. */
export function assertWrkInstalled(): void {
  try {
    accessSync(WRK, constants.X_OK);
  } catch {
    throw new Error(`${WRK} not found: the bench needs wrk (Debian package). Install it with: apt-get install -y wrk`);
  }
}

const TIME_UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `648.00us`, `1.61ms`, `2.00s` → milliseconds. */
export function parseWrkTime(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`unrecognized wrk time ${JSON.stringify(text)}`);
  return Number(match[1]) * TIME_UNIT_MS[match[2]!]!;
}

/** Reads req/s, p50, p99 and the error counters from `wrk --latency` output. */
export function parseWrkOutput(raw: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(raw);
  const p50 = /^\s+50(?:\.000)?%\s+(\S+)/m.exec(raw);
  const p99 = /^\s+99(?:\.000)?%\s+(\S+)/m.exec(raw);
  const total = /^\s+(\d+) requests in /m.exec(raw);
  if (!rps || !p50 || !p99 || !total) throw new Error(`could not parse wrk output:\n${raw}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(raw);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(raw);
  return {
    requestsPerSecond: Number(rps[1]),
    p50Ms: parseWrkTime(p50[1]!),
    p99Ms: parseWrkTime(p99[1]!),
    requests: Number(total[1]),
    non2xx3xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    raw,
  };
}

/** Runs wrk pinned to `options.cpu` and parses its report. */
export function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = ['-c', options.cpu, WRK, `-t${options.threads}`, `-c${options.connections}`, `-d${options.durationSeconds}s`, '--latency'];
  for (const [name, value] of Object.entries(options.headers)) args.push('-H', `${name}: ${value}`);
  args.push(options.url);
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}:\n${out}${err}`));
      try {
        resolve(parseWrkOutput(out));
      } catch (error) {
        reject(error);
      }
    });
  });
}
