import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** What the storm did while it ran. */
export interface StormResult {
  /** Answered attempts, by HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly answered: number;
  readonly errors: number;
  readonly seconds: number;
}

export interface RunningStorm {
  readonly pid: number;
  stop(): Promise<StormResult>;
  /** Resolves when the client stops by itself (a client with a fixed count of requests). */
  finished(): Promise<StormResult>;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * Starts test/bench/login-storm.mjs under `taskset -c <cpu>` and resolves once its first
 * wrong-password attempt has been answered, so the measured run starts under a real storm.
 */
export function startLoginStorm(script: string, cpu: string, env: { port: number; clients: number; origin: string; extra?: Readonly<Record<string, string>> }): Promise<RunningStorm> {
  const child = spawn('taskset', ['-c', cpu, process.execPath, script], {
    env: { ...process.env, STORM_PORT: String(env.port), STORM_CLIENTS: String(env.clients), STORM_ORIGIN: env.origin, ...env.extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout! });
  let startedAt = 0;
  let done: ((line: string) => void) | undefined;
  const finished = new Promise<string>((resolve) => (done = resolve));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`login storm got no answer within ${READY_TIMEOUT_MS / 1000} s\n${stderr}`));
    }, READY_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`login storm exited early (${code})\n${stderr}`));
    });
    lines.on('line', (line) => {
      if (line.includes('"stormDone"')) return done!(line);
      if (!line.includes('"stormReady"')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      startedAt = Date.now();
      const result = async () => {
        const report = JSON.parse(await finished) as { statuses: Record<string, number>; errors: number; seconds?: number };
        const answered = Object.values(report.statuses).reduce((sum, n) => sum + n, 0);
        return { statuses: report.statuses, answered, errors: report.errors, seconds: report.seconds ?? (Date.now() - startedAt) / 1000 };
      };
      resolve({
        pid: child.pid!,
        stop() {
          child.kill('SIGTERM');
          return result();
        },
        finished: result,
      });
    });
  });
}
