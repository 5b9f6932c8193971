import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createInterface } from 'node:readline';

/** A server process started by the bench, pinned to one CPU. */
export interface BenchServer {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Output lines other than the ready line (Gatehouse's own log), kept for the report. */
  readonly logLines: readonly string[];
  /** Resident set size from /proc/<pid>/status, in MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const MAX_KEPT_LINES = 200;

/**
 * Runs `node <script>` under `taskset -c <cpu>` (taskset execs node, so the pid is node's)
 * and waits for the `{"benchReady":true,"port":N}` line the bench launchers print.
 */
export function startPinnedServer(name: string, script: string, cpu: string, env: NodeJS.ProcessEnv, nodeArgs: readonly string[] = []): Promise<BenchServer> {
  const child: ChildProcess = spawn('taskset', ['-c', cpu, process.execPath, ...nodeArgs, script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logLines: string[] = [];
  const keep = (line: string) => {
    if (logLines.length < MAX_KEPT_LINES) logLines.push(line);
  };
  // Both pipes are drained for the whole run: a full pipe would block the server's writes.
  createInterface({ input: child.stderr! }).on('line', keep);
  const stdout = createInterface({ input: child.stdout! });

  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start: ${why}\n${logLines.join('\n')}`));
    };
    const timer = setTimeout(() => fail(`no ready line within ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited early (${signal ?? code})`));
    stdout.on('line', (line) => {
      let ready: { benchReady?: unknown; port?: unknown } | undefined;
      try {
        ready = JSON.parse(line) as typeof ready;
      } catch {
        // not JSON: an ordinary log line
      }
      if (ready?.benchReady !== true || typeof ready.port !== 'number') return keep(line);
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const pid = child.pid!;
      const port = ready.port;
      resolve({
        name,
        pid,
        port,
        logLines,
        rssMiB: () => readRssMiB(pid),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(force);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** A bench Gatehouse's environment: production, port 0 on loopback, warn-level logs; Redis when `redisUrl` is given. */
export function gatehouseEnv(vars: { dataDir: string; secret: string; portalUrl: string; redisUrl?: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    GATEHOUSE_DATA_DIR: vars.dataDir,
    GATEHOUSE_PORT: '0',
    GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_LOG_LEVEL: 'warn',
    GATEHOUSE_SESSION_SECRET: vars.secret,
    GATEHOUSE_PORTAL_URL: vars.portalUrl,
    GATEHOUSE_REDIS_URL: vars.redisUrl ?? '',
  };
}

export function readRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One plain HTTP/1.1 request to 127.0.0.1 with exactly the headers given. */
export function httpRequest(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `name=value` of the first Set-Cookie for `name`, or undefined. */
export function setCookieValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const raw = headers['set-cookie'];
  for (const cookie of Array.isArray(raw) ? raw : raw ? [raw] : []) {
    const pair = cookie.split(';', 1)[0]!;
    if (pair.startsWith(`${name}=`)) return pair.slice(name.length + 1);
  }
  return undefined;
}
