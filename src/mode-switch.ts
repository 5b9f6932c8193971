import type { Config } from '../config/schema.js';
import { createStrategy } from '../strategies/registry.js';
import { discoverProvider, type Discover } from './oidc/discover.js';

/**
 * Reasons a config must not be put in force because it would lock the admin
 * out. Shared by the CLI, the settings API and the boot checks.
 */
export function lockoutProblems(config: Config, users: { hasUsableAdmin(): boolean }): string[] {
  const problems: string[] = [];
  if (config.mode === 'token' && !config.token) {
    problems.push('token mode needs an instance token first: run `gatehouse token rotate` and keep the printed token');
  }
  if (config.mode === 'userPassword' && !users.hasUsableAdmin()) {
    problems.push('userPassword mode needs an enabled admin with a password first: `gatehouse user add <name> --role admin`');
  }
  try {
    createStrategy(config);
  } catch (error) {
    problems.push((error as Error).message);
  }
  return problems;
}

/**
 * A switch to oauth2 also needs a provider that answers discovery right now:
 * otherwise nobody but break-glass admins could sign in afterwards. Async (it
 * asks the provider), so callers run it before their synchronous guard.
 */
export async function oauth2SwitchProblems(config: Config, discover: Discover = discoverProvider): Promise<string[]> {
  if (config.mode !== 'oauth2' || !config.oauth2) return [];
  try {
    await discover(config.oauth2);
    return [];
  } catch (error) {
    return [`oauth2 mode needs a provider that answers discovery first: ${(error as Error).message}`];
  }
}
