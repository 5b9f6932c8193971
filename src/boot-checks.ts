import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { CONFIG_FILE, decodeConfig } from '../config/config-store.js';
import { readTextIfExists } from '../config/atomic-file.js';
import { InvalidDocumentError } from '../config/document-store.js';
import { isLoopbackPortal, effectivePortalUrl } from './runtime.js';
import { envProblems, type EnvSettings } from './env.js';
import { createStrategy } from '../strategies/registry.js';

export interface BootReport {
  readonly problems: string[];
  readonly warnings: string[];
}

/** Every reason this config + environment must not start, all at once. */
export function bootReport(config: Config, env: EnvSettings, users?: { hasUsableAdmin(): boolean }): BootReport {
  const problems = envProblems(env, config.mode !== 'open');
  const warnings: string[] = [];
  if (config.mode === 'token' && !config.token) {
    problems.push('token: token mode has no instance token yet; run `gatehouse token rotate` and keep the printed token');
  }
  try {
    createStrategy(config);
  } catch (error) {
    problems.push(`mode: ${(error as Error).message}`);
  }
  if (config.mode === 'userPassword' && users && !users.hasUsableAdmin()) {
    problems.push('users: userPassword mode has no enabled admin with a password; add one with `gatehouse user add <name> --role admin`');
  }
  if (config.domains.length === 0) problems.push('domains: no protected domain; add one, e.g. `gatehouse config set domains \'["example.com"]\'`');
  const portal = effectivePortalUrl(config, env);
  if (portal.protocol === 'http:' && !isLoopbackPortal(portal) && config.mode !== 'open') {
    warnings.push(`portal ${portal.origin} is plain http on a non-local host: browsers will not keep the Secure session cookie; serve the portal over https`);
  }
  if (config.mode === 'open') {
    warnings.push('OPEN MODE: Gatehouse is not checking anyone; every request is allowed as an administrator. Switch modes before exposing this instance.');
  }
  return { problems, warnings };
}

/**
 * Reads config.json for `gatehouse check` without creating or locking
 * anything. Returns the problems when the file is unreadable or invalid:
 * there is never a fallback to open mode.
 */
export async function readConfigForCheck(dataDir: string): Promise<{ config: Config | null; problems: string[] }> {
  const file = join(dataDir, CONFIG_FILE);
  let text: string | null;
  try {
    text = await readTextIfExists(file);
  } catch (error) {
    return { config: null, problems: [`${file}: cannot be read (${(error as Error).message})`] };
  }
  if (text === null) return { config: null, problems: [] };
  try {
    return { config: decodeConfig(JSON.parse(text), file), problems: [] };
  } catch (error) {
    if (error instanceof InvalidDocumentError) return { config: null, problems: error.problems.map((p) => `${file}: ${p}`) };
    return { config: null, problems: [`${file}: not valid JSON (${(error as Error).message})`] };
  }
}
