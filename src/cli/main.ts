#!/usr/bin/env node
/**
 * `gatehouse` — administer an instance from a shell. Commands act on the data
 * dir (GATEHOUSE_DATA_DIR, default ./data); a running server picks changes up
 * live. Exit codes: 0 ok, 1 refused or failed, 2 usage.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { ConfigStore } from '../../config/config-store.js';
import { InvalidDocumentError } from '../../config/document-store.js';
import type { Config } from '../../config/schema.js';
import { AUTH_MODES, type AuthMode } from '../../strategies/types.js';
import { bootReport, readConfigForCheck } from '../boot-checks.js';
import { sha256Hex } from '../crypto/constant-time.js';
import { readEnv } from '../env.js';
import { lockoutProblems } from '../mode-switch.js';
import { getPath, parseCliValue, setPath } from './dotted-path.js';

class UsageError extends Error {}
class RefusedError extends Error {}

const USAGE = `usage: gatehouse <command>
  check                          run the boot checks; exit 0 when Gatehouse would start
  secret                         print a new random secret for GATEHOUSE_SESSION_SECRET
  mode set <${AUTH_MODES.join('|')}>   switch the authentication mode
  token rotate                   create a new instance token (printed once) and revoke the old
  config get <dotted.key>        print one setting as JSON
  config set <dotted.key> <value>  change one setting (JSON or plain string), validated`;

const env = readEnv(process.env);

async function openStore(): Promise<ConfigStore> {
  await mkdir(env.dataDir, { recursive: true, mode: 0o700 });
  const store = new ConfigStore({ dataDir: env.dataDir, portalUrl: env.portalUrl });
  await store.open();
  return store;
}

/** Writes a config change only when it would not lock the admin out. */
async function applyGuarded(store: ConfigStore, mutate: (config: Config) => Config): Promise<Config> {
  return store.update((config) => {
    const next = mutate(config);
    if (next.mode !== config.mode || (next.mode === 'token' && !next.token)) {
      const problems = lockoutProblems(next);
      if (problems.length > 0) throw new RefusedError(`refused: ${problems.join('; ')}`);
    }
    return next;
  });
}

async function check(): Promise<number> {
  const { config, problems } = await readConfigForCheck(env.dataDir);
  if (config) problems.push(...bootReport(config, env).problems);
  if (problems.length > 0) {
    process.stderr.write(`Gatehouse would refuse to start:\n  - ${problems.join('\n  - ')}\n`);
    return 1;
  }
  process.stdout.write(config ? `ok: ${config.mode} mode, protecting ${config.domains.join(', ')}\n` : 'ok: no config yet; the first start writes the open-mode default\n');
  return 0;
}

async function modeSet(mode: string | undefined): Promise<number> {
  if (!AUTH_MODES.includes(mode as AuthMode)) throw new UsageError(`mode must be one of ${AUTH_MODES.join(', ')}`);
  const store = await openStore();
  const next = await applyGuarded(store, (config) => ({ ...config, mode }) as Config);
  process.stdout.write(`mode is now ${next.mode}\n`);
  return 0;
}

async function tokenRotate(): Promise<number> {
  const store = await openStore();
  const token = randomBytes(32).toString('base64url');
  await store.update((config) => ({ ...config, token: { hash: sha256Hex(token), createdAt: new Date().toISOString() } }));
  process.stderr.write('New instance token (shown once; the previous token no longer works):\n');
  process.stdout.write(`${token}\n`);
  return 0;
}

async function configGet(key: string | undefined): Promise<number> {
  if (!key) throw new UsageError('config get needs a key, e.g. session.ttl');
  const store = await openStore();
  const value = getPath(store.current, key);
  if (value === undefined) throw new RefusedError(`no setting ${key}`);
  // The token hash is not a secret that unlocks anything, but there is no reason to print it.
  process.stdout.write(`${JSON.stringify(key === 'token' || key.startsWith('token.') ? '[hidden]' : value, null, 2)}\n`);
  return 0;
}

async function configSet(key: string | undefined, value: string | undefined): Promise<number> {
  if (!key || value === undefined) throw new UsageError('config set needs a key and a value, e.g. config set session.ttl 12h');
  if (key === 'token' || key.startsWith('token.')) throw new RefusedError('use `gatehouse token rotate` to change the instance token');
  const store = await openStore();
  const next = await applyGuarded(store, (config) => setPath(config, key, parseCliValue(value)));
  process.stdout.write(`${key} = ${JSON.stringify(getPath(next, key))}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  switch (command) {
    case 'check':
      return check();
    case 'secret':
      process.stdout.write(`${randomBytes(36).toString('base64url')}\n`);
      return 0;
    case 'mode':
      if (sub !== 'set') throw new UsageError('mode set <mode>');
      return modeSet(rest[0]);
    case 'token':
      if (sub !== 'rotate') throw new UsageError('token rotate');
      return tokenRotate();
    case 'config':
      if (sub === 'get') return configGet(rest[0]);
      if (sub === 'set') return configSet(rest[0], rest[1]);
      throw new UsageError('config get|set <dotted.key> [value]');
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    if (error instanceof RefusedError) process.stderr.write(`${error.message}\n`);
    else if (error instanceof InvalidDocumentError) process.stderr.write(`refused, the result would be invalid:\n  ${error.problems.join('\n  ')}\n`);
    else process.stderr.write(`gatehouse: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
