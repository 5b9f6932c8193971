import type { ConfigStore } from '../../config/config-store.js';
import type { OAuth2Config } from '../../config/schema.js';
import { constantTimeEqual } from '../crypto/constant-time.js';

export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return constantTimeEqual(a, b);
}

/** Issuer, client id or secret differ (or the block appeared or went): a different client at (maybe) a different provider. */
export function providerChanged(before: OAuth2Config | undefined, after: OAuth2Config | undefined): boolean {
  if (!before || !after) return before !== after;
  return before.issuerUrl !== after.issuerUrl || before.clientId !== after.clientId || !sameSecret(before.clientSecret, after.clientSecret);
}

/**
 * What Gatehouse has seen of the configured OIDC provider, so a switch to
 * oauth2 mode is allowed only after discovery worked and an admin completed
 * one test login with it (nobody can be locked out by a provider that was
 * never tried).
 */
export class OidcReadiness {
  private discovered: string | null = null;
  private testLogin: { issuer: string; username: string } | null = null;

  markDiscovered(issuer: string): void {
    this.discovered = issuer;
  }

  markTestLogin(issuer: string, username: string): void {
    this.testLogin = { issuer, username };
  }

  /** What has been seen of `issuer` (for the settings page). */
  status(issuer: string | undefined): { discovered: boolean; testLogin: { username: string } | null } {
    const discovered = issuer !== undefined && this.discovered === issuer;
    const testLogin = issuer !== undefined && this.testLogin?.issuer === issuer ? { username: this.testLogin.username } : null;
    return { discovered, testLogin };
  }

  /** The provider settings changed (client id or secret too): what was tried no longer counts. */
  forget(): void {
    this.discovered = null;
    this.testLogin = null;
  }

  /** Null when `issuer` is ready, else what is missing. */
  problem(issuer: string | undefined): string | null {
    if (!issuer) return 'set up the OIDC provider first (issuer URL, client id)';
    if (this.discovered !== issuer) return `discovery of ${issuer} has not succeeded yet: use "Test discovery"`;
    if (this.testLogin?.issuer !== issuer) return 'complete one test login with the provider first, so you know you can sign in after the switch';
    return null;
  }
}

/**
 * A test login with another client (or secret) proves nothing about this one, however the
 * settings changed: the settings page, `gatehouse config set`, or a hand edit of config.json.
 */
export function forgetReadinessOnProviderChange(config: ConfigStore, readiness: OidcReadiness): void {
  config.on('change', (next, previous) => {
    if (providerChanged(previous.oauth2, next.oauth2)) readiness.forget();
  });
}
