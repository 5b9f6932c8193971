import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { OAuth2Config } from '../../config/schema.js';
import type { Random } from '../crypto/random.js';
import { discoverProvider, type Discover, type ProviderSettings } from './discover.js';
import { FlowCookieSealer } from './flow-cookie.js';
import { DEFAULT_BACKOFF, ProviderConnection, realTimers, type BackoffOptions, type Timers } from './provider-connection.js';
import { MemoryOneTimeStore, type OneTimeStore } from '../backend/one-time-store.js';
import { UsedStates } from './used-states.js';

export interface OidcServiceOptions {
  readonly log: Logger;
  /** Clock for id_token checks, flow cookies and backoff. */
  readonly now: () => number;
  readonly random: Random;
  /** GATEHOUSE_SESSION_SECRET; flow-cookie keys are derived from it. Random per process when unset (open mode). */
  readonly sessionSecret: string | undefined;
  readonly timers?: Timers;
  readonly backoff?: Partial<BackoffOptions>;
  readonly discover?: Discover;
  readonly onDiscovered?: (issuerUrl: string) => void;
  /** Where used states live (shared through Redis with several replicas); in memory when not given. */
  readonly usedStates?: OneTimeStore;
}

function settingsKey(s: ProviderSettings): string {
  return JSON.stringify([s.issuerUrl, s.clientId, s.clientSecret ?? null]);
}

/**
 * Everything OIDC that outlives one config version: the connection to the
 * provider currently configured (rebuilt only when issuer or client change),
 * the flow-cookie sealer and the memory of used states.
 */
export class OidcService {
  readonly sealer: FlowCookieSealer;
  readonly usedStates: UsedStates;
  readonly now: () => number;
  readonly random: Random;
  readonly log: Logger;
  private connection_: ProviderConnection | null = null;
  private connectionKey = '';
  private readonly timers: Timers;
  private readonly backoff: BackoffOptions;
  private readonly discover: Discover;
  private readonly onDiscovered: ((issuerUrl: string) => void) | undefined;

  constructor(options: OidcServiceOptions) {
    this.now = options.now;
    this.random = options.random;
    this.log = options.log;
    this.sealer = new FlowCookieSealer(options.sessionSecret ?? randomBytes(32), options.now);
    this.usedStates = new UsedStates(options.usedStates ?? new MemoryOneTimeStore(options.now));
    this.timers = options.timers ?? realTimers;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.discover = options.discover ?? discoverProvider;
    this.onDiscovered = options.onDiscovered;
  }

  /** The connection for these settings, created (and discovery started) on first use. */
  connection(settings: Pick<OAuth2Config, 'issuerUrl' | 'clientId' | 'clientSecret'>): ProviderConnection {
    const wanted: ProviderSettings = { issuerUrl: settings.issuerUrl, clientId: settings.clientId, clientSecret: settings.clientSecret };
    const key = settingsKey(wanted);
    if (!this.connection_ || key !== this.connectionKey) {
      this.connection_?.close();
      this.connection_ = new ProviderConnection(wanted, { log: this.log, now: this.now, timers: this.timers, backoff: this.backoff, discover: this.discover, onDiscovered: this.onDiscovered });
      this.connectionKey = key;
      this.connection_.start();
    }
    return this.connection_;
  }

  /** Stops retrying (mode switched away from oauth2). */
  idle(): void {
    this.connection_?.close();
    this.connection_ = null;
    this.connectionKey = '';
  }

  close(): void {
    this.idle();
  }
}
