import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RedisOptions {
  /** Listen here (to start a stopped server again at the same address); default a free port. */
  readonly port?: number;
  /** Keep an append-only file here, so a restart on the same dir keeps every acknowledged write; default no persistence. */
  readonly dir?: string;
  /** More redis-server arguments (`--replicaof`, `--requirepass`…). */
  readonly args?: readonly string[];
  /** Run as a Sentinel with this (writable: Sentinel rewrites it) sentinel.conf. */
  readonly sentinelConfig?: string;
}

export interface RunningRedis {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Everything redis-server printed. */
  output(): string;
  /** SIGTERM (or `signal`), wait for the exit. */
  close(signal?: NodeJS.Signals): Promise<void>;
}

/** A throwaway real redis-server on loopback, without persistence unless `dir` is given. Fails (never skips) when redis-server is missing. */
export async function startRedis(options: RedisOptions = {}): Promise<RunningRedis> {
  const port = options.port ?? (await freePort());
  let output = '';
  // Without a dir of its own, a replica's sync would leave dump.rdb in the working directory.
  const scratch = options.dir ? undefined : await mkdtemp(join(tmpdir(), 'gh-redis-'));
  const persistence = options.dir ? ['--dir', options.dir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--dir', scratch!, '--appendonly', 'no'];
  const args = options.sentinelConfig
    ? [options.sentinelConfig, '--sentinel', '--port', String(port), '--bind', '127.0.0.1', '--dir', scratch!, ...(options.args ?? [])]
    : ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, ...(options.args ?? [])];
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const spawnError = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(`redis-server could not start (apt-get install -y redis-server): ${e.message}`))));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await Promise.race([accepts(port), spawnError])) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    pid: child.pid!,
    output: () => output,
    async close(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill(signal);
        await exited;
      }
      if (scratch) await rm(scratch, { recursive: true, force: true });
    },
  };
}
