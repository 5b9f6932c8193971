import type { Config } from '../config/schema.js';
import { createStrategy } from '../strategies/registry.js';

/**
 * Reasons a config must not be put in force because it would lock the admin
 * out. Shared by the CLI, the settings API and the boot checks.
 */
export function lockoutProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.mode === 'token' && !config.token) {
    problems.push('token mode needs an instance token first: run `gatehouse token rotate` and keep the printed token');
  }
  try {
    createStrategy(config);
  } catch (error) {
    problems.push((error as Error).message);
  }
  return problems;
}
