import { isWithinDomain } from '../config/hostname.js';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { CONFIG_FILE, decodeConfig } from '../config/config-store.js';
import { readTextIfExists } from '../config/atomic-file.js';
import { InvalidDocumentError } from '../config/document-store.js';
import { isLoopbackPortal, effectivePortalUrl } from './runtime.js';
import { envProblems, type EnvSettings } from './env.js';
import { createStrategy } from '../strategies/registry.js';
import { passkeyWarnings } from './passkeys/relying-party.js';

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
  for (const app of config.proxy.apps) {
    if (!config.domains.some((domain) => isWithinDomain(app.host, domain))) {
      problems.push(`proxy.apps: ${app.host} is not inside a protected domain (${config.domains.join(', ') || 'none'}); every request to it would be refused`);
    }
  }
  if (config.proxy.apps.length > 0 && env.proxyPort === undefined) {
    warnings.push('proxy.apps is set but GATEHOUSE_PROXY_PORT is not: Gatehouse will not proxy these apps until it is');
  }
  const portal = effectivePortalUrl(config, env);
  if (portal.protocol === 'http:' && !isLoopbackPortal(portal) && config.mode !== 'open') {
    warnings.push(`portal ${portal.origin} is plain http on a non-local host: browsers will not keep the Secure session cookie; serve the portal over https`);
  }
  // Passkeys are for local accounts: userPassword mode and oauth2's local break-glass admins.
  if (config.mode === 'userPassword' || config.mode === 'oauth2') warnings.push(...passkeyWarnings(config, portal));
  if (config.mode === 'open') {
    warnings.push('OPEN MODE: Gatehouse is not checking anyone; every request is allowed as an administrator. Switch modes before exposing this instance.');
  }
  return { problems, warnings };
}

/**
 * The boot report for a config.json that does not validate: every schema
 * problem with its file, a plain explanation when oauth2 mode lacks its
 * provider settings, and the environment's problems too, so the admin fixes
 * everything in one round.
 */
export async function invalidConfigReport(error: InvalidDocumentError, env: EnvSettings): Promise<string[]> {
  let mode: unknown;
  try {
    mode = (JSON.parse((await readTextIfExists(error.file)) ?? '{}') as { mode?: unknown }).mode;
  } catch {
    mode = undefined;
  }
  const problems = error.problems.map((p) => `${error.file}: ${p}`);
  if (mode === 'oauth2' && error.problems.some((p) => /^oauth2(\.issuerUrl|\.clientId)?: /.test(p))) {
    problems.push(
      'oauth2: oauth2 mode refuses to start without oauth2.issuerUrl and oauth2.clientId; add them to config.json, e.g. "oauth2": {"issuerUrl": "https://idp.example.com/realms/main", "clientId": "gatehouse", "clientSecret": "…"}',
    );
  }
  return [...envProblems(env, typeof mode === 'string' && mode !== 'open'), ...problems];
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
