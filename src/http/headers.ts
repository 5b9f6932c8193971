import type { IncomingMessage } from 'node:http';

export type HeaderRead = { ok: true; value: string | undefined } | { ok: false };

/** Headers that must appear at most once, and the Cookie header as Node would join it. */
export interface CheckHeaders<K extends string> {
  readonly single: Record<K, string | undefined>;
  /** Every Cookie line joined with "; " (what `request.headers.cookie` holds), or undefined. */
  readonly cookie: string | undefined;
}

/**
 * Reads headers that must appear at most once, plus the Cookie header, in one pass over
 * `rawHeaders`. Node joins repeated headers with ", ", which would hide a client-injected
 * duplicate; `rawHeaders` does not. Reading `request.headers` instead would also build
 * Node's whole header object, on every check. Returns null when any of `names`
 * (lower-case, never `cookie`) appears twice.
 */
export function readCheckHeaders<K extends string>(request: IncomingMessage, names: readonly K[]): CheckHeaders<K> | null {
  // Values are collected by position and keyed by `names` at the end: a lower-cased header
  // name is a fresh string, and using it as a property key costs a string-table lookup.
  const values: Array<string | undefined> = new Array<string | undefined>(names.length);
  let cookie: string | undefined;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'cookie') {
      cookie = cookie === undefined ? raw[i + 1]! : `${cookie}; ${raw[i + 1]!}`;
      continue;
    }
    const at = names.indexOf(name as K);
    if (at === -1) continue;
    if (values[at] !== undefined) return null;
    values[at] = raw[i + 1]!;
  }
  const single = {} as Record<K, string | undefined>;
  for (let at = 0; at < names.length; at++) {
    if (values[at] !== undefined) single[names[at]!] = values[at];
  }
  return { single, cookie };
}

/** Reads headers that must appear at most once (see readCheckHeaders); null when one appears twice. */
export function readSingleHeaders<K extends string>(request: IncomingMessage, names: readonly K[]): Record<K, string | undefined> | null {
  return readCheckHeaders(request, names)?.single ?? null;
}

/** Identity header values: printable ASCII only, so nothing can split a header or smuggle one. */
export function sanitizeHeaderValue(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '').slice(0, 1024);
}
