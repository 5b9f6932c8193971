const TIMEOUT_MS = 3000;
const CACHE_MS = 60_000;

/**
 * The provider's clock minus ours, from the Date header of its discovery document
 * (second resolution is plenty: ID tokens tolerate seconds, not minutes). Undefined
 * when the provider does not answer. Cached for a minute, so a page that refreshes
 * the doctor's report does not poll the provider.
 */
export class ClockSkewProbe {
  private cached: { issuer: string; at: number; skew: number | undefined } | undefined;

  constructor(
    private readonly now: () => number,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async skew(issuerUrl: string): Promise<number | undefined> {
    const start = this.now();
    const age = this.cached ? start - this.cached.at : Infinity;
    // A clock set back makes the age negative: ask again rather than trust it.
    if (this.cached?.issuer === issuerUrl && age >= 0 && age < CACHE_MS) return this.cached.skew;
    let skew: number | undefined;
    try {
      const url = `${issuerUrl.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const res = await this.fetchFn(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
      await res.body?.cancel();
      const date = Date.parse(res.headers.get('date') ?? '');
      if (!Number.isNaN(date)) skew = date - (start + this.now()) / 2;
    } catch {
      skew = undefined;
    }
    this.cached = { issuer: issuerUrl, at: start, skew };
    return skew;
  }
}
