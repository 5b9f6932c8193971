import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { LockoutCounter } from '../backend/lockout-counter.js';
import type { RedisConnection } from '../backend/redis-connection.js';
import { redisCall } from '../backend/redis-call.js';
import type { Regulation } from './regulation-backend.js';
import { ipKey, Regulator, regulationRule, type BanEvent, type RegulationSettings } from './regulation.js';

const DEFAULT_RESYNC_MS = 10_000;
/** The lockout namespace regulation counts in: the servers and `gatehouse unban` must agree on it. */
export const REGULATION_LOCKOUTS = 'regulation';

// What replicas tell each other; read back through a schema like anything else that comes from Redis.
const NoticeSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('ban'), kind: z.enum(['user', 'ip']), key: z.string().min(1), until: z.number().int() }),
  z.strictObject({ op: z.literal('unban'), keys: z.array(z.string().min(1)).min(1).max(16) }),
]);
type Notice = z.infer<typeof NoticeSchema>;

function subjectOf(kind: BanEvent['kind'], key: string): string {
  return `${kind}:${key}`;
}

function banOf(subject: string, until: number): BanEvent | null {
  const at = subject.indexOf(':');
  const kind = subject.slice(0, at);
  return (kind === 'user' || kind === 'ip') && at < subject.length - 1 ? { kind, key: subject.slice(at + 1), until } : null;
}

function channelOf(redis: RedisConnection): string {
  return redis.key('regulation');
}

async function publishNotice(redis: RedisConnection, notice: Notice): Promise<void> {
  await redisCall(() => redis.client.publish(channelOf(redis), JSON.stringify(notice)));
}

/**
 * Lifts the bans on these keys (username keys or addresses) in Redis and
 * tells every replica, which drops them from its memory at once. What an
 * admin's unban and `gatehouse unban` do. Returns the subjects that were banned.
 */
export async function liftSharedBans(counter: LockoutCounter, redis: RedisConnection, keys: readonly string[]): Promise<string[]> {
  const unique = [...new Set(keys)].slice(0, 16);
  if (unique.length === 0) return [];
  // Failures are counted under ipKey (an IPv6 /64, an IPv4-mapped address as IPv4): lift that form too.
  const subjects = new Set(unique.flatMap((key) => [subjectOf('user', key), subjectOf('ip', key), subjectOf('ip', ipKey(key))]));
  const lifted = await counter.unlock([...subjects]);
  await publishNotice(redis, { op: 'unban', keys: unique });
  return lifted;
}

/**
 * Regulation shared by every replica through Redis: failures are counted
 * into one window (4 wrong passwords on A and 1 on B ban at maxRetries 5)
 * and bans live there, replacing bans.json. Each replica mirrors the active
 * bans in memory for the synchronous hot path: a new ban or an unban is
 * published on a channel and applied by every replica at once, and a
 * periodic resync (and one on every reconnect) repairs a missed notice. The
 * login path asks Redis itself, so a ban is in force there from the moment
 * Redis holds it.
 */
export class SharedRegulation implements Regulation {
  private readonly mirror: Regulator;
  private readonly channel: string;
  private subscriber: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Counts bans and unbans applied to the mirror, so a resync can tell whether one came in while it read Redis. */
  private changes = 0;
  private readonly onUp = () => void this.resync().catch(() => undefined);

  constructor(
    private readonly counter: LockoutCounter,
    private readonly redis: RedisConnection,
    private readonly deps: { settings: () => RegulationSettings; now: () => number; log: Logger; resyncMs?: number },
  ) {
    this.mirror = new Regulator(deps.settings, deps.now);
    this.channel = channelOf(redis);
  }

  /** Subscribes to the other replicas' notices and loads the active bans. */
  async start(): Promise<void> {
    this.subscriber = await this.redis.subscriber();
    this.subscriber.on('message', (_channel: string, message: string) => this.hear(message));
    await redisCall(() => this.subscriber!.subscribe(this.channel));
    await this.resync();
    this.timer = setInterval(this.onUp, this.deps.resyncMs ?? DEFAULT_RESYNC_MS);
    this.timer.unref();
    this.redis.on('up', this.onUp);
  }

  isBanned(userKey: string | null, ip: string): boolean {
    return this.mirror.isBanned(userKey, ip);
  }

  async checkBanned(userKey: string | null, ip: string): Promise<boolean> {
    const subjects = [...(userKey === null ? [] : [subjectOf('user', userKey)]), subjectOf('ip', ipKey(ip))];
    const untils = await Promise.all(subjects.map((s) => this.counter.lockedUntil(s)));
    subjects.forEach((subject, i) => this.mirrorBan(subject, untils[i]!));
    return untils.some((until) => until > 0);
  }

  async recordFailure(userKey: string | null, ip: string): Promise<BanEvent[]> {
    const rule = regulationRule(this.deps.settings());
    const subjects = [...(userKey === null ? [] : [subjectOf('user', userKey)]), subjectOf('ip', ipKey(ip))];
    const events: BanEvent[] = [];
    for (const subject of subjects) {
      const outcome = await this.counter.fail(subject, rule);
      const ban = this.mirrorBan(subject, outcome.lockedUntil);
      if (ban && outcome.started) events.push(ban);
    }
    for (const ban of events) await this.publish({ op: 'ban', kind: ban.kind, key: ban.key, until: ban.until });
    return events;
  }

  async recordSuccess(userKey: string, ip: string): Promise<void> {
    await Promise.all([this.counter.forgive(subjectOf('user', userKey)), this.counter.forgive(subjectOf('ip', ipKey(ip)))]);
  }

  async lift(keys: readonly string[]): Promise<boolean> {
    const lifted = await liftSharedBans(this.counter, this.redis, keys);
    const inMemory = keys.map((key) => this.mirror.unban(key)).some(Boolean);
    return lifted.length > 0 || inMemory;
  }

  activeBans(): BanEvent[] {
    return this.mirror.activeBans();
  }

  /** Makes the mirror hold exactly the bans Redis holds. */
  async resync(): Promise<void> {
    const changesBefore = this.changes;
    const locks = await this.counter.locks();
    const bans = locks.map((l) => banOf(l.subject, l.until)).filter((b): b is BanEvent => b !== null);
    const inRedis = new Set(bans.map((b) => subjectOf(b.kind, b.key)));
    // A ban heard or made while the snapshot was read may be missing from it: drop nothing then, the next resync will.
    if (this.changes === changesBefore) {
      for (const ban of this.mirror.activeBans()) if (!inRedis.has(subjectOf(ban.kind, ban.key))) this.mirror.unban(ban.key);
    }
    for (const ban of bans) this.mirror.restore(ban.kind, ban.key, ban.until);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.redis.off('up', this.onUp);
    this.subscriber?.disconnect();
  }

  private mirrorBan(subject: string, until: number): BanEvent | null {
    const ban = until > 0 ? banOf(subject, until) : null;
    if (ban) {
      this.changes += 1;
      this.mirror.restore(ban.kind, ban.key, ban.until);
    }
    return ban;
  }

  private async publish(notice: Notice): Promise<void> {
    await publishNotice(this.redis, notice);
  }

  private hear(message: string): void {
    let notice: Notice;
    try {
      notice = NoticeSchema.parse(JSON.parse(message));
    } catch {
      this.deps.log.warn({ channel: this.channel }, 'ignored a malformed regulation notice');
      return;
    }
    this.changes += 1;
    if (notice.op === 'ban') this.mirror.restore(notice.kind, notice.key, notice.until);
    else for (const key of notice.keys) this.mirror.unban(key);
  }
}
