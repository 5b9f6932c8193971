import type { Timers } from '../../src/oidc/provider-connection.js';

/** Timers a test fires by hand; firing advances the shared clock to the timer's due time. */
export class ManualTimers implements Timers {
  private next = 1;
  private readonly pending = new Map<number, { callback: () => void; due: number; delay: number }>();

  constructor(private readonly clock: { now: number }) {}

  set(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { callback, due: this.clock.now + ms, delay: ms });
    return id;
  }

  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** The delay the earliest pending timer was set with. */
  pendingDelay(): number | undefined {
    return this.earliest()?.[1].delay;
  }

  /** Fires the earliest timer, then lets the work it started finish. */
  async fireNext(): Promise<void> {
    const entry = this.earliest();
    if (!entry) throw new Error('no pending timer');
    this.pending.delete(entry[0]);
    this.clock.now = Math.max(this.clock.now, entry[1].due);
    entry[1].callback();
    await this.settle();
  }

  /** Waits for in-flight promises (discovery attempts) to settle. */
  async settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  private earliest(): [number, { callback: () => void; due: number; delay: number }] | undefined {
    return [...this.pending].sort((a, b) => a[1].due - b[1].due)[0];
  }
}
