const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;

/** True for durations written like `90s`, `10m`, `24h`, `30d`. */
export function isDuration(value: string): boolean {
  return DURATION.test(value);
}

/** Milliseconds in a duration string; throws on a malformed one (the schema rejects those first). */
export function parseDuration(value: string): number {
  const match = DURATION.exec(value);
  if (!match) throw new Error(`not a duration: ${JSON.stringify(value)} (use e.g. 90s, 10m, 24h, 30d)`);
  return Number(match[1]) * UNITS[match[2] as string]!;
}
