import { BansStore } from '../../../config/bans-store.js';
import { connectRedis } from '../../backend/connect-redis.js';
import { ephemeralBackend } from '../../backend/ephemeral-backend.js';
import { ipKey } from '../../security/regulation.js';
import { liftSharedBans, REGULATION_LOCKOUTS } from '../../security/shared-regulation.js';
import { usernameKey } from '../../users/username.js';
import { RefusedError, UsageError, type CliContext } from '../context.js';
import { parseArgs } from '../args.js';

/** `gatehouse audit [--user U] [--event E] [--limit N] [--json]`: newest last, like a log. */
export async function audit(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { options } = parseArgs(argv, ['json']);
  const limit = options.has('limit') ? Number(options.get('limit')) : 100;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive whole number');
  const user = options.get('user');
  const event = options.get('event');
  let events = await ctx.audit().read();
  if (typeof user === 'string') events = events.filter((e) => e.actor === user || e.target === user);
  if (typeof event === 'string') events = events.filter((e) => e.event === event || e.event.startsWith(`${event}.`));
  events = events.slice(-limit);
  for (const e of events) {
    if (options.has('json')) process.stdout.write(`${JSON.stringify(e)}\n`);
    else process.stdout.write(`${e.time}  ${e.event.padEnd(16)} actor=${e.actor}${e.target ? ` target=${e.target}` : ''}${e.ip ? ` ip=${e.ip}` : ''}${e.details ? ` ${JSON.stringify(e.details)}` : ''}\n`);
  }
  return 0;
}

/**
 * `gatehouse unban <username|ip>`: lifts a brute-force ban. With
 * GATEHOUSE_REDIS_URL the ban is lifted in Redis and every replica hears it;
 * otherwise in bans.json, which a running server follows.
 */
export async function unban(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const subject = argv[0];
  if (!subject) throw new UsageError('unban needs a username or an IP address');
  const keys = new Set([subject, usernameKey(subject), ipKey(subject)]);
  const lifted = (await liftInRedis(ctx, [...keys])) ?? (await liftInFile(ctx, keys));
  if (lifted === 0) throw new RefusedError(`no active ban for ${subject}`);
  await ctx.audit().record({ event: 'regulation.unban', actor: ctx.actor.name, target: subject });
  process.stderr.write(`lifted ${lifted} ban(s) for ${subject}\n`);
  return 0;
}

/** The number of bans lifted in Redis; undefined when Gatehouse does not use Redis. */
async function liftInRedis(ctx: CliContext, keys: readonly string[]): Promise<number | undefined> {
  const redis = await connectRedis(ctx.env);
  if (!redis) return undefined;
  try {
    return (await liftSharedBans(ephemeralBackend(redis, Date.now).lockouts(REGULATION_LOCKOUTS), redis, keys)).length;
  } finally {
    await redis.close();
  }
}

async function liftInFile(ctx: CliContext, keys: ReadonlySet<string>): Promise<number> {
  const store = new BansStore(ctx.env.dataDir);
  await store.open();
  let lifted = 0;
  await store.update((doc) => {
    const bans = doc.bans.filter((b) => !keys.has(b.key));
    lifted = doc.bans.length - bans.length;
    return { ...doc, bans };
  });
  store.close();
  return lifted;
}
