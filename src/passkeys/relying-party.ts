import { isIP } from 'node:net';
import type { Config } from '../../config/schema.js';
import { isLoopbackPortal } from '../runtime.js';
import type { Runtime } from '../runtime.js';

/**
 * The WebAuthn relying party: the RP ID every passkey is scoped to, the name
 * authenticators show, and the page origins whose ceremonies are accepted.
 */
export interface RelyingParty {
  readonly id: string;
  readonly name: string;
  readonly origins: readonly string[];
}

/**
 * `passkeys.rpId`, `passkeys.rpName` and `passkeys.origins` from config; what
 * is not set comes from the portal URL: the RP ID is the portal's host name
 * and the only origin is the portal's origin.
 */
export function relyingParty(config: Config, portal: URL): RelyingParty {
  return {
    id: config.passkeys.rpId ?? portal.hostname,
    name: config.passkeys.rpName,
    origins: config.passkeys.origins?.map((o) => new URL(o).origin) ?? [portal.origin],
  };
}

const cache = new WeakMap<Runtime, RelyingParty>();

/** The relying party of a runtime, derived once per config version. */
export function relyingPartyOf(rt: Runtime): RelyingParty {
  let rp = cache.get(rt);
  if (!rp) {
    rp = relyingParty(rt.config, rt.portal);
    cache.set(rt, rp);
  }
  return rp;
}

/** True when `rpId` is the host itself or a parent domain of it, as browsers require. */
export function rpIdCoversHost(rpId: string, host: string): boolean {
  return host === rpId || host.endsWith(`.${rpId}`);
}

/** Why browsers would refuse passkeys with this setup; empty when they should work. */
export function passkeyWarnings(config: Config, portal: URL): string[] {
  const rp = relyingParty(config, portal);
  const warnings: string[] = [];
  if (portal.protocol === 'http:' && !isLoopbackPortal(portal)) {
    warnings.push(`passkeys: the portal ${portal.origin} is plain http on a non-local host; browsers refuse passkeys (WebAuthn) there, so serve the portal over https`);
  }
  if (isIP(rp.id.replace(/^\[|\]$/g, '')) !== 0) {
    warnings.push(`passkeys: the RP ID ${rp.id} is an IP address; browsers only accept a host name (open the portal as e.g. http://localhost instead of http://127.0.0.1)`);
  }
  for (const origin of rp.origins) {
    const host = new URL(origin).hostname;
    if (!rpIdCoversHost(rp.id, host)) warnings.push(`passkeys: the RP ID ${rp.id} is neither ${host} nor a parent domain of it; browsers refuse passkeys at ${origin}`);
  }
  if (!rp.origins.includes(portal.origin)) {
    warnings.push(`passkeys: passkeys.origins does not include the portal ${portal.origin}, whose pages run every passkey ceremony`);
  }
  return warnings;
}

/** The message for a page opened at an origin passkeys are not set up for. */
export function originMismatchMessage(rp: RelyingParty, pageOrigin: string, portalOrigin: string): string {
  return `Passkeys for this Gatehouse work at ${portalOrigin} (RP ID ${rp.id}), but this page was opened at ${pageOrigin}. Open ${portalOrigin}/login instead.`;
}
