import type { Config } from '../config/schema.js';
import { createStrategy } from '../strategies/registry.js';

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
