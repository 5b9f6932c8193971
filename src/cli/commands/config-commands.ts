import { randomBytes } from 'node:crypto';
import type { ConfigStore } from '../../../config/config-store.js';
import type { Config } from '../../../config/schema.js';
import { InvalidDocumentError } from '../../../config/document-store.js';
import { StoreUnavailableError } from '../../backend/store-unavailable.js';
import { AUTH_MODES, type AuthMode } from '../../../strategies/types.js';
import { bootReport, readConfigForCheck } from '../../boot-checks.js';
import { sha256Hex } from '../../crypto/constant-time.js';
import { lockoutProblems, oauth2SwitchProblems } from '../../mode-switch.js';
import { RefusedError, UsageError, type CliContext } from '../context.js';
import { getPath, parseCliValue, setPath } from '../dotted-path.js';

/** Writes a config change only when it would not lock the admin out. */
async function applyGuarded(ctx: CliContext, store: ConfigStore, mutate: (config: Config) => Config): Promise<Config> {
  const { service } = await ctx.users();
  const before = store.current.mode;
  const next = await store.update((config) => {
    const changed = mutate(config);
    if (changed.mode !== config.mode || (changed.mode === 'token' && !changed.token)) {
      const problems = lockoutProblems(changed, service);
      if (problems.length > 0) throw new RefusedError(`refused: ${problems.join('; ')}`);
    }
    return changed;
  });
  if (next.mode !== before) await ctx.audit().record({ event: 'mode.switch', actor: ctx.actor.name, details: { from: before, to: next.mode } });
  return next;
}

/** With Redis, the config every replica serves is the one in Redis, read through the same codec. */
async function readSharedConfigForCheck(ctx: CliContext): Promise<{ config: Config | null; problems: string[] }> {
  try {
    return { config: (await ctx.config()).current, problems: [] };
  } catch (error) {
    if (error instanceof InvalidDocumentError) return { config: null, problems: error.problems.map((p) => `${error.file}: ${p}`) };
    if (error instanceof StoreUnavailableError) return { config: null, problems: [`GATEHOUSE_REDIS_URL: Redis does not answer (${(error.cause as Error | undefined)?.message ?? error.message})`] };
    throw error;
  }
}

export async function check(ctx: CliContext): Promise<number> {
  const { config, problems } = ctx.env.redisUrl ? await readSharedConfigForCheck(ctx) : await readConfigForCheck(ctx.env.dataDir);
  if (config) {
    const users = config.mode === 'userPassword' ? (await ctx.users()).service : undefined;
    problems.push(...bootReport(config, ctx.env, users).problems);
  }
  if (problems.length > 0) {
    process.stderr.write(`Gatehouse would refuse to start:\n  - ${problems.join('\n  - ')}\n`);
    return 1;
  }
  process.stdout.write(config ? `ok: ${config.mode} mode, protecting ${config.domains.join(', ')}\n` : 'ok: no config yet; the first start writes the open-mode default\n');
  return 0;
}

export function secret(): number {
  process.stdout.write(`${randomBytes(36).toString('base64url')}\n`);
  return 0;
}

export async function modeSet(ctx: CliContext, mode: string | undefined): Promise<number> {
  if (!AUTH_MODES.includes(mode as AuthMode)) throw new UsageError(`mode must be one of ${AUTH_MODES.join(', ')}`);
  const store = await ctx.config();
  if (mode === 'oauth2' && store.current.mode !== 'oauth2') {
    const problems = await oauth2SwitchProblems({ ...store.current, mode } as Config);
    if (problems.length > 0) throw new RefusedError(`refused: ${problems.join('; ')}`);
  }
  const next = await applyGuarded(ctx, store, (config) => ({ ...config, mode }) as Config);
  process.stdout.write(`mode is now ${next.mode}\n`);
  return 0;
}

export async function tokenRotate(ctx: CliContext): Promise<number> {
  const store = await ctx.config();
  const token = randomBytes(32).toString('base64url');
  await store.update((config) => ({ ...config, token: { hash: sha256Hex(token), createdAt: new Date().toISOString() } }));
  await ctx.audit().record({ event: 'token.rotate', actor: ctx.actor.name });
  process.stderr.write('New instance token (shown once; the previous token no longer works):\n');
  process.stdout.write(`${token}\n`);
  return 0;
}

export async function configGet(ctx: CliContext, key: string | undefined): Promise<number> {
  if (!key) throw new UsageError('config get needs a key, e.g. session.ttl');
  const store = await ctx.config();
  const value = getPath(store.current, key);
  if (value === undefined) throw new RefusedError(`no setting ${key}`);
  // The token hash unlocks nothing, but there is no reason to print it either.
  process.stdout.write(`${JSON.stringify(key === 'token' || key.startsWith('token.') ? '[hidden]' : value, null, 2)}\n`);
  return 0;
}

export async function configSet(ctx: CliContext, key: string | undefined, value: string | undefined): Promise<number> {
  if (!key || value === undefined) throw new UsageError('config set needs a key and a value, e.g. config set session.ttl 12h');
  if (key === 'token' || key.startsWith('token.')) throw new RefusedError('use `gatehouse token rotate` to change the instance token');
  const store = await ctx.config();
  const next = await applyGuarded(ctx, store, (config) => setPath(config, key, parseCliValue(value)));
  await ctx.audit().record({ event: 'config.set', actor: ctx.actor.name, target: key });
  process.stdout.write(`${key} = ${JSON.stringify(getPath(next, key))}\n`);
  return 0;
}
