import type { RedisConnection } from '../backend/redis-connection.js';
import { redisCall } from '../backend/redis-call.js';
import { AuditLog } from './audit-log.js';

/** Roughly how many events the stream keeps (XADD MAXLEN ~): the oldest go first. */
export const AUDIT_STREAM_MAX = 100_000;
// XREVRANGE reads in pages, so a full stream never arrives as one huge reply.
const PAGE = 1_000;

/**
 * The audit trail of every replica in one capped Redis stream, so the
 * settings audit page and `gatehouse audit` show all of them wherever they
 * are asked. Same events and the same methods as the file log; an event that
 * cannot be written (Redis down) is a StoreUnavailableError, and whatever it
 * recorded answers 503 rather than happening unaudited.
 */
export class RedisAuditLog extends AuditLog {
  constructor(
    /** The connection, or how to get it (the CLI connects only when a command needs Redis). */
    private readonly connection: () => RedisConnection | Promise<RedisConnection>,
    now: () => number = Date.now,
    private readonly maxEvents = AUDIT_STREAM_MAX,
  ) {
    // No file: the data dir is never written.
    super('/nonexistent', now);
  }

  protected override async append(event: string): Promise<void> {
    await redisCall(async () => {
      const redis = await this.connection();
      return redis.client.xadd(redis.key('audit'), 'MAXLEN', '~', String(this.maxEvents), '*', 'e', event);
    });
  }

  /** Every replica's events, newest first, read back in pages (XREVRANGE): `read` and `newest` come from AuditLog. */
  protected override async *linesNewestFirst(): AsyncGenerator<string> {
    let end = '+';
    for (;;) {
      const entries = await redisCall(async () => {
        const redis = await this.connection();
        return redis.client.xrevrange(redis.key('audit'), end, '-', 'COUNT', PAGE);
      });
      for (const [, fields] of entries) {
        const text = fields[fields.indexOf('e') + 1];
        if (text !== undefined) yield text;
      }
      if (entries.length < PAGE) return;
      end = `(${entries[entries.length - 1]![0]}`;
    }
  }
}
