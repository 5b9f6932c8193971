import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * bcrypt reads only the first 72 bytes of its input, so two long passwords
 * sharing a 72-byte prefix would both verify. Every password is therefore
 * pre-hashed to base64(sha256(password)) — 44 ASCII bytes, no NULs — and that
 * is what bcrypt hashes.
 */
export function prehash(password: string): string {
  return createHash('sha256').update(password.normalize('NFC'), 'utf8').digest('base64');
}

/** Runs bcrypt in worker threads so a storm of logins never blocks forward-auth checks. */
export interface PasswordHasher {
  hash(password: string, cost: number): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  close(): Promise<void>;
}

export class HasherBusyError extends Error {
  readonly code = 'GH_HASHER_BUSY';
}

// Inline so the worker runs the same way from src/ (tests) and dist/ (built).
// The worker lowers its own thread's priority (nice 19): on a small machine the
// event loop answering checks must win the CPU over password hashing.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid)) require('node:os').setPriority(tid, 19);
} catch {}
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', (job) => {
  try {
    const result = job.op === 'hash' ? bcrypt.hashSync(job.input, job.cost) : bcrypt.compareSync(job.input, job.hash);
    parentPort.postMessage({ id: job.id, result });
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String(error && error.message || error) });
  }
});
`;

interface Job {
  id: number;
  op: 'hash' | 'verify';
  input: string;
  cost?: number;
  hash?: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * A pool of bcrypt workers, started on demand and stopped after `idleMs` without work: each
 * worker is a V8 isolate of its own (about 12 MiB), which an instance in token, open or
 * oauth2 mode, or a quiet userPassword one, need not carry.
 */
export class WorkerPasswordHasher implements PasswordHasher {
  private readonly idle: Worker[] = [];
  private readonly workers = new Set<Worker>();
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private readonly idleTimers = new Map<Worker, NodeJS.Timeout>();
  private readonly bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly size = Math.max(1, Math.min(4, availableParallelism())),
    private readonly maxQueued = 256,
    private readonly idleMs = 30_000,
  ) {}

  /** Workers alive now (for tests and diagnostics). */
  get workerCount(): number {
    return this.workers.size;
  }

  hash(password: string, cost: number): Promise<string> {
    return this.submit({ op: 'hash', input: prehash(password), cost }) as Promise<string>;
  }

  verify(password: string, hash: string): Promise<boolean> {
    // bcryptjs answers at once for a malformed hash: refuse it loudly instead of "fast false".
    if (!/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash)) return Promise.reject(new Error('stored password hash is not a bcrypt hash'));
    return this.submit({ op: 'verify', input: prehash(password), hash }) as Promise<boolean>;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('password hasher closed'));
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private submit(job: Omit<Job, 'id' | 'resolve' | 'reject'>): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('password hasher closed'));
    if (this.queue.length >= this.maxQueued) return Promise.reject(new HasherBusyError('too many password checks in progress; try again shortly'));
    return new Promise((resolve, reject) => {
      this.queue.push({ ...job, id: this.nextId++, resolve, reject });
      this.pump();
    });
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: this.bcryptPath } });
    worker.unref();
    worker.on('message', (message: { id: number; result?: unknown; error?: string }) => this.done(worker, message));
    worker.on('error', (error) => this.running.get(worker)?.reject(error));
    // A worker that dies (or is stopped) leaves the pool; its job, if any, has been rejected.
    worker.on('exit', () => this.forget(worker));
    this.workers.add(worker);
    return worker;
  }

  private forget(worker: Worker): void {
    this.workers.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at !== -1) this.idle.splice(at, 1);
    clearTimeout(this.idleTimers.get(worker));
    this.idleTimers.delete(worker);
    const job = this.running.get(worker);
    this.running.delete(worker);
    job?.reject(new Error('password worker stopped'));
    if (!this.closed) this.pump();
  }

  /** Stops an idle worker; taken out of the idle list first, so no job is sent to it meanwhile. */
  private retire(worker: Worker): void {
    const at = this.idle.indexOf(worker);
    if (at === -1) return;
    this.idle.splice(at, 1);
    this.idleTimers.delete(worker);
    void worker.terminate();
  }

  private pump(): void {
    while (this.queue.length > 0 && (this.idle.length > 0 || this.workers.size < this.size)) {
      const worker = this.idle.pop() ?? this.spawn();
      clearTimeout(this.idleTimers.get(worker));
      this.idleTimers.delete(worker);
      const job = this.queue.shift()!;
      this.running.set(worker, job);
      worker.ref();
      worker.postMessage({ id: job.id, op: job.op, input: job.input, cost: job.cost, hash: job.hash });
    }
  }

  private done(worker: Worker, message: { id: number; result?: unknown; error?: string }): void {
    const job = this.running.get(worker);
    this.running.delete(worker);
    worker.unref();
    this.idle.push(worker);
    const timer = setTimeout(() => this.retire(worker), this.idleMs);
    timer.unref();
    this.idleTimers.set(worker, timer);
    if (job && job.id === message.id) {
      if (message.error !== undefined) job.reject(new Error(message.error));
      else job.resolve(message.result);
    }
    this.pump();
  }
}
