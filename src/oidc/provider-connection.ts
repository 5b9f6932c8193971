import type { Logger } from 'pino';
import type { createRemoteJWKSet } from 'jose';
import type { Configuration } from 'openid-client';
import { DiscoveryError, type Discover, type DiscoveryFailureCode, type ProviderSettings } from './discover.js';

/** Timers, injectable so tests drive the backoff without waiting. */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set(callback, ms) {
    const handle = setTimeout(callback, ms);
    // A pending retry must not keep a closing process alive.
    handle.unref();
    return handle;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface BackoffOptions {
  /** Delay after the first failure; doubles after each further one. */
  readonly initialMs: number;
  readonly maxMs: number;
  /** An on-demand attempt (a user clicked "sign in") at most this often. */
  readonly onDemandMinIntervalMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 60_000, onDemandMinIntervalMs: 5_000 };

/** Refetch the JWKS for an unknown `kid` at most this often, however many tokens ask. */
export const JWKS_COOLDOWN_MS = 30_000;

export type ProviderStatus =
  | { readonly state: 'discovering'; readonly attempts: number }
  | { readonly state: 'ready'; readonly since: number }
  | { readonly state: 'unreachable'; readonly attempts: number; readonly reason: DiscoveryFailureCode; readonly message: string; readonly nextAttemptAt: number };

export type JwksGetter = ReturnType<typeof createRemoteJWKSet>;

export interface ReadyProvider {
  readonly configuration: Configuration;
  /** The provider's keys, cached; refetched on an unknown kid at most once per cooldown. */
  readonly jwks: JwksGetter | null;
}

export interface ConnectionDeps {
  readonly log: Logger;
  readonly now: () => number;
  readonly timers: Timers;
  readonly backoff: BackoffOptions;
  readonly discover: Discover;
  /** Told each time discovery succeeds (the settings page's readiness check listens). */
  readonly onDiscovered?: (issuerUrl: string) => void;
}

/**
 * One provider (issuer + client): discovery, retried with exponential backoff
 * while it fails, so Gatehouse can start before its provider (compose starts
 * services in any order). Never throws; `status()` says where things stand.
 */
export class ProviderConnection {
  private ready_: ReadyProvider | null = null;
  private status_: ProviderStatus = { state: 'discovering', attempts: 0 };
  private inFlight: Promise<void> | null = null;
  private timer: unknown = null;
  private failures = 0;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    readonly settings: ProviderSettings,
    private readonly deps: ConnectionDeps,
  ) {}

  start(): void {
    if (!this.inFlight && !this.ready_ && this.timer === null) void this.attempt();
  }

  status(): ProviderStatus {
    return this.status_;
  }

  ready(): ReadyProvider | null {
    return this.ready_;
  }

  /**
   * The provider when discovery has succeeded. While it is failing, a caller
   * (someone clicking "sign in") may trigger an early attempt, at most once per
   * `onDemandMinIntervalMs`, instead of waiting out the backoff.
   */
  async ensure(): Promise<ReadyProvider | null> {
    if (this.ready_ || this.closed) return this.ready_;
    if (!this.inFlight && this.deps.now() - this.lastAttemptAt >= this.deps.backoff.onDemandMinIntervalMs) {
      this.cancelTimer();
      void this.attempt();
    }
    await this.inFlight;
    return this.ready_;
  }

  close(): void {
    this.closed = true;
    this.cancelTimer();
  }

  private attempt(): Promise<void> {
    this.lastAttemptAt = this.deps.now();
    this.status_ = { state: 'discovering', attempts: this.failures + 1 };
    // jose (for the provider's keys) loads beside the first discovery: only oauth2 mode needs it.
    const run = Promise.all([this.deps.discover(this.settings), import('jose')])
      .then(
        ([configuration, { createRemoteJWKSet }]) => this.succeeded(configuration, createRemoteJWKSet),
        (error: unknown) => this.failed(error),
      )
      .finally(() => {
        this.inFlight = null;
      });
    this.inFlight = run;
    return run;
  }

  private succeeded(configuration: Configuration, remoteJwks: typeof createRemoteJWKSet): void {
    if (this.closed) return;
    const jwksUri = configuration.serverMetadata().jwks_uri;
    this.ready_ = {
      configuration,
      jwks: jwksUri ? remoteJwks(new URL(jwksUri), { cooldownDuration: JWKS_COOLDOWN_MS, timeoutDuration: 5_000 }) : null,
    };
    this.status_ = { state: 'ready', since: this.deps.now() };
    this.deps.onDiscovered?.(this.settings.issuerUrl);
    const after = this.failures > 0 ? ` after ${this.failures} failed attempt${this.failures === 1 ? '' : 's'}` : '';
    this.deps.log.info({ issuer: this.settings.issuerUrl }, `OIDC provider ${this.settings.issuerUrl} discovered${after}`);
    this.failures = 0;
  }

  private failed(error: unknown): void {
    if (this.closed) return;
    this.failures += 1;
    const delay = Math.min(this.deps.backoff.initialMs * 2 ** (this.failures - 1), this.deps.backoff.maxMs);
    const failure = error instanceof DiscoveryError ? error : new DiscoveryError('bad_metadata', (error as Error)?.message ?? String(error));
    this.status_ = { state: 'unreachable', attempts: this.failures, reason: failure.reason, message: failure.message, nextAttemptAt: this.deps.now() + delay };
    this.deps.log.warn(
      { issuer: this.settings.issuerUrl, reason: failure.reason, attempt: this.failures },
      `OIDC provider not usable yet (${failure.message}); Gatehouse keeps running degraded and retries in ${Math.round(delay / 1000)}s`,
    );
    this.cancelTimer();
    this.timer = this.deps.timers.set(() => {
      this.timer = null;
      if (!this.closed && !this.inFlight && !this.ready_) void this.attempt();
    }, delay);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.deps.timers.clear(this.timer);
    this.timer = null;
  }
}
