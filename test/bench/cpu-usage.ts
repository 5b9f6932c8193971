import { readFileSync } from 'node:fs';

/**
 * How much CPU time processes other than the bench's own used while it measured. Other work
 * on the machine (a test run, a build) takes CPU from the pinned server or from wrk and makes
 * the figures meaningless, so the bench waits for quiet and reports this next to each run.
 */

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux the bench targets

interface Snapshot {
  readonly at: number;
  /** Busy ticks over all CPUs, interrupts excluded (loopback networking is the bench's own). */
  readonly busyTicks: number;
  readonly cpus: number;
  /** utime + stime of the bench's servers, plus the bench itself and its reaped children (wrk). */
  readonly ownTicks: number;
}

function systemTicks(): { busy: number; cpus: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const total = lines[0]!.split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: steal is time the host gave to someone else.
  const busy = total[0]! + total[1]! + total[2]! + total[7]!;
  const cpus = lines.filter((line) => /^cpu\d+ /.test(line)).length;
  return { busy, cpus };
}

function processTicks(pid: number | 'self', withChildren: boolean): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // Fields after "(comm) ": state is [0], so utime is [11], stime [12], cutime [13], cstime [14].
  const own = Number(fields[11]) + Number(fields[12]);
  return withChildren ? own + Number(fields[13]) + Number(fields[14]) : own;
}

export function snapshot(serverPids: readonly number[]): Snapshot {
  const { busy, cpus } = systemTicks();
  let ownTicks = processTicks('self', true);
  for (const pid of serverPids) ownTicks += processTicks(pid, false);
  return { at: Date.now(), busyTicks: busy, cpus, ownTicks };
}

/** Share of all CPUs (0–1) used by other processes between two snapshots. */
export function otherLoad(from: Snapshot, to: Snapshot): number {
  const available = ((to.at - from.at) / 1000) * CLOCK_TICKS_PER_SECOND * to.cpus;
  if (available <= 0) return 0;
  const other = to.busyTicks - from.busyTicks - (to.ownTicks - from.ownTicks);
  return Math.min(1, Math.max(0, other / available));
}

/** CPU time a process used, in microseconds. */
export function processCpuMicros(pid: number): number {
  return (processTicks(pid, false) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}
