import type { IncomingMessage } from 'node:http';

export type HeaderRead = { ok: true; value: string | undefined } | { ok: false };

/**
 * Reads headers that must appear at most once. Node joins repeated headers
 * with ", ", which would hide a client-injected duplicate; `rawHeaders` does not.
 * Returns null when any of `names` (lower-case) appears twice.
 */
export function readSingleHeaders<K extends string>(request: IncomingMessage, names: readonly K[]): Record<K, string | undefined> | null {
  const out = {} as Record<K, string | undefined>;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase() as K;
    if (!names.includes(name)) continue;
    if (out[name] !== undefined) return null;
    out[name] = raw[i + 1]!;
  }
  return out;
}

/** Identity header values: printable ASCII only, so nothing can split a header or smuggle one. */
export function sanitizeHeaderValue(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '').slice(0, 1024);
}
