import type { RedisConnection } from './redis-connection.js';
import type { FailureOutcome, LockoutCounter, LockoutRule } from './lockout-counter.js';
import { redisCall } from './redis-call.js';

// KEYS: the subject's failures (a sorted set of times), the namespace's locks (subject → until).
// ARGV: now, a unique member, subject, maxFailures, windowMs, lockMs.
// The same window as MemoryLockouts: failures older than windowMs drop out, the
// maxFailures-th within it locks for lockMs and starts a new count, and while
// locked nothing is counted. One script, so replicas counting at once never lose one.
const FAIL = `
local now = tonumber(ARGV[1])
local locked = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[3]) or '0')
if locked > now then return {locked, 0} end
local window = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  local untilMs = now + tonumber(ARGV[6])
  redis.call('DEL', KEYS[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  redis.call('ZADD', KEYS[2], untilMs, ARGV[3])
  return {untilMs, 1}
end
redis.call('PEXPIRE', KEYS[1], window)
return {0, 0}
`;

// KEYS: the locks, then each subject's failures; ARGV: now, then the subjects (in KEYS' order).
const UNLOCK = `
local now = tonumber(ARGV[1])
local lifted = {}
for i = 2, #ARGV do
  if tonumber(redis.call('ZSCORE', KEYS[1], ARGV[i]) or '0') > now then table.insert(lifted, ARGV[i]) end
  redis.call('ZREM', KEYS[1], ARGV[i])
  redis.call('DEL', KEYS[i])
end
return lifted
`;

/**
 * Failure counters and locks in Redis, counted by every replica into one
 * window through Lua scripts (atomic). Times come from the caller's clock,
 * so replicas are expected to keep NTP time, as their TOTP checks need anyway.
 */
export class RedisLockoutCounter implements LockoutCounter {
  private readonly locksKey: string;

  constructor(
    private readonly redis: RedisConnection,
    private readonly namespace: string,
    private readonly now: () => number,
  ) {
    this.locksKey = redis.key('lockout', namespace, 'locks');
  }

  async fail(subject: string, rule: LockoutRule): Promise<FailureOutcome> {
    const now = this.now();
    const member = `${now}:${Math.random().toString(36).slice(2)}`;
    const reply = (await redisCall(() =>
      this.redis.client.eval(FAIL, 2, this.failuresKey(subject), this.locksKey, now, member, subject, rule.maxFailures, rule.windowMs, rule.lockMs),
    )) as [number, number];
    return { lockedUntil: Number(reply[0]), started: Number(reply[1]) === 1 };
  }

  async forgive(subject: string): Promise<void> {
    await redisCall(() => this.redis.client.del(this.failuresKey(subject)));
  }

  async lockedUntil(subject: string): Promise<number> {
    const score = await redisCall(() => this.redis.client.zscore(this.locksKey, subject));
    const until = score === null ? 0 : Number(score);
    return until > this.now() ? until : 0;
  }

  async unlock(subjects: readonly string[]): Promise<string[]> {
    if (subjects.length === 0) return [];
    const keys = [this.locksKey, ...subjects.map((s) => this.failuresKey(s))];
    return (await redisCall(() => this.redis.client.eval(UNLOCK, keys.length, ...keys, this.now(), ...subjects))) as string[];
  }

  async locks(): Promise<Array<{ subject: string; until: number }>> {
    const flat = await redisCall(() => this.redis.client.zrangebyscore(this.locksKey, `(${this.now()}`, '+inf', 'WITHSCORES'));
    const locks: Array<{ subject: string; until: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) locks.push({ subject: flat[i]!, until: Number(flat[i + 1]) });
    return locks;
  }

  private failuresKey(subject: string): string {
    return this.redis.key('lockout', this.namespace, 'fail', subject);
  }
}
