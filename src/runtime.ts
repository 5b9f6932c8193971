import type { Config } from '../config/schema.js';
import { NetworkList } from '../config/network.js';
import { parseDuration } from '../config/duration.js';
import { defaultPortalUrl } from '../config/defaults.js';
import type { AuthStrategy, StrategyServices } from '../strategies/types.js';
import { createStrategy } from '../strategies/registry.js';
import { AccessPolicy } from './authz/rules.js';
import type { EnvSettings } from './env.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Everything derived from one config version: compiled once per change and
 * swapped in whole, so a request sees either the old or the new config.
 */
export interface Runtime {
  readonly config: Config;
  readonly strategy: AuthStrategy;
  readonly policy: AccessPolicy;
  readonly trustedProxies: NetworkList;
  /** Who may scrape /metrics. */
  readonly metricsNetworks: NetworkList;
  readonly portal: URL;
  readonly cookie: { readonly secure: boolean; readonly domain: string | undefined };
  readonly ttlMs: number;
  readonly idleMs: number;
  readonly stepUpWindowMs: number;
}

/** What the portal URL is derived from: GATEHOUSE_PORTAL_URL, and GATEHOUSE_PORT for the default. */
export type PortalEnv = Pick<EnvSettings, 'portalUrl'> & { readonly port?: number };

/** The portal URL in force: GATEHOUSE_PORTAL_URL over config.portalUrl over localhost on GATEHOUSE_PORT. */
export function effectivePortalUrl(config: Config, env: PortalEnv): URL {
  return new URL(env.portalUrl ?? config.portalUrl ?? defaultPortalUrl(env.port));
}

export function isLoopbackPortal(portal: URL): boolean {
  return LOOPBACK_HOSTS.has(portal.hostname) || portal.hostname.endsWith('.localhost');
}

export function buildRuntime(config: Config, env: PortalEnv, services?: StrategyServices): Runtime {
  const portal = effectivePortalUrl(config, env);
  return {
    config,
    strategy: createStrategy(config, services),
    policy: new AccessPolicy(config.rules, config.defaultPolicy),
    trustedProxies: new NetworkList(config.trustedProxies),
    metricsNetworks: new NetworkList(config.metrics.networks),
    portal,
    cookie: {
      secure: !(portal.protocol === 'http:' && isLoopbackPortal(portal)),
      domain: config.session.cookieDomain,
    },
    ttlMs: parseDuration(config.session.ttl),
    idleMs: parseDuration(config.session.idle),
    stepUpWindowMs: parseDuration(config.security.stepUpWindow),
  };
}
