import type { IncomingMessage } from 'node:http';

export type HeaderRead = { ok: true; value: string | undefined } | { ok: false };

/**
 * Reads headers that must appear at most once. Node joins repeated headers
 * with ", ", which would hide a client-injected duplicate; `rawHeaders` does not.
 * Returns null when any of `names` (lower-case) appears twice.
 */
export function readSingleHeaders<K extends string>(request: IncomingMessage, names: readonly K[]): Record<K, string | undefined> | null {
  // Values are collected by position and keyed by `names` at the end: a lower-cased header
  // name is a fresh string, and using it as a property key costs a string-table lookup.
  const values: Array<string | undefined> = new Array<string | undefined>(names.length);
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const at = names.indexOf(raw[i]!.toLowerCase() as K);
    if (at === -1) continue;
    if (values[at] !== undefined) return null;
    values[at] = raw[i + 1]!;
  }
  const out = {} as Record<K, string | undefined>;
  for (let at = 0; at < names.length; at++) {
    if (values[at] !== undefined) out[names[at]!] = values[at];
  }
  return out;
}

/** Identity header values: printable ASCII only, so nothing can split a header or smuggle one. */
export function sanitizeHeaderValue(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '').slice(0, 1024);
}
