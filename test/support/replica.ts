import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTs } from './child-process.js';

/** One Gatehouse replica: a separate OS process started from instrumentation.ts, as a deployment runs it. */
export interface Replica {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  /** Every line the process printed so far (pino JSON on stdout, anything on stderr). */
  output(): string;
  /** SIGTERM, wait for exit, remove the data dir (unless `keepDataDir`). */
  stop(options?: { keepDataDir?: boolean }): Promise<void>;
}

/**
 * Starts a replica with its own temp data dir (unless `dataDir` is given) and
 * GATEHOUSE_PORT=0; resolves once its "listening" log line names the port.
 * `env` is added to the test's environment (GATEHOUSE_REDIS_URL, secrets…).
 */
export async function startReplica(env: Record<string, string>, options: { dataDir?: string; timeoutMs?: number } = {}): Promise<Replica> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'gh-replica-')));
  const child = spawnTs('instrumentation.ts', [], {
    ...process.env,
    GATEHOUSE_PORT: '0',
    GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_LOG_LEVEL: 'info',
    ...env,
    GATEHOUSE_DATA_DIR: dataDir,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`replica did not start within ${options.timeoutMs ?? 30_000} ms:\n${out}`)), options.timeoutMs ?? 30_000);
    const onData = () => {
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (match) finish(undefined, Number(match[1]));
    };
    const onExit = (code: number | null) => finish(new Error(`replica exited (${code}) before listening:\n${out}`));
    function finish(error?: Error, value?: number) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value!);
    }
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
  }).catch(async (error: unknown) => {
    // A replica that never listened leaves nothing behind: no process, no temp data dir.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    output: () => out,
    async stop(stopOptions = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      if (!stopOptions.keepDataDir && !options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
