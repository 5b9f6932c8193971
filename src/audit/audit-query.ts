import type { AuditEvent } from './audit-log.js';

/** Which events a reader wants, newest first. */
export interface NewestQuery {
  /** Events that match are counted and paged; the others are skipped. */
  readonly match?: (event: AuditEvent) => boolean;
  /** Matching events to skip (earlier pages), then how many to return. */
  readonly skip?: number;
  readonly take: number;
  /** Events before this time (epoch ms) are not wanted: reading stops once well past it. */
  readonly since?: number;
  /**
   * Bytes of the newest log always read, so `total` is exact for a log this
   * small; past it, reading stops as soon as the page is full (default 4 MiB).
   */
  readonly countWithinBytes?: number;
}

export interface NewestResult {
  /** Newest first. */
  readonly events: AuditEvent[];
  /** Matching events found; exact when `complete`, else a lower bound. */
  readonly total: number;
  /** True when every kept event was looked at (or everything older is before `since`). */
  readonly complete: boolean;
}

/** Events may be out of order by this much: the server and the CLI append to one file. */
const CLOCK_SKEW_MS = 60_000;
const DEFAULT_COUNT_WITHIN_BYTES = 4 * 1024 * 1024;

/**
 * Runs a newest-first query over lines read from the end of the log. It
 * reads until the page is full and, within the first `countWithinBytes`,
 * on to count every match; so a 1 GB log costs a page, not a gigabyte.
 */
export async function queryNewest(lines: AsyncIterable<string>, query: NewestQuery): Promise<NewestResult> {
  const skip = query.skip ?? 0;
  const budget = query.countWithinBytes ?? DEFAULT_COUNT_WITHIN_BYTES;
  const events: AuditEvent[] = [];
  let total = 0;
  let bytes = 0;
  for await (const line of lines) {
    bytes += line.length + 1;
    let event: AuditEvent;
    try {
      event = JSON.parse(line) as AuditEvent;
    } catch {
      continue; // a torn line after a crash: skip it, not the rest
    }
    if (query.since !== undefined && Date.parse(event.time) < query.since - CLOCK_SKEW_MS) return { events, total, complete: true };
    if (query.match && !query.match(event)) continue;
    total++;
    if (total > skip && events.length < query.take) events.push(event);
    if (events.length >= query.take && total > skip + query.take && bytes > budget) return { events, total, complete: false };
  }
  return { events, total, complete: true };
}
