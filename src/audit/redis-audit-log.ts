import type { RedisConnection } from '../backend/redis-connection.js';
import { asStoreUnavailable } from '../backend/store-unavailable.js';
import { AuditLog, type AuditEvent, type AuditInput } from './audit-log.js';

/** Roughly how many events the stream keeps (XADD MAXLEN ~): the oldest go first. */
export const AUDIT_STREAM_MAX = 100_000;
// XRANGE reads in pages, so a full stream never arrives as one huge reply.
const PAGE = 1_000;

/**
 * The audit trail of every replica in one capped Redis stream, so the
 * settings audit page and `gatehouse audit` show all of them wherever they
 * are asked. Same events and the same methods as the file log; an event that
 * cannot be written (Redis down) is a StoreUnavailableError, and whatever it
 * recorded answers 503 rather than happening unaudited.
 */
export class RedisAuditLog extends AuditLog {
  private readonly recordListeners: Array<(event: AuditInput) => void> = [];

  constructor(
    /** The connection, or how to get it (the CLI connects only when a command needs Redis). */
    private readonly connection: () => RedisConnection | Promise<RedisConnection>,
    private readonly clock: () => number = Date.now,
    private readonly maxEvents = AUDIT_STREAM_MAX,
  ) {
    // No file: the data dir is never written.
    super('/nonexistent', clock);
  }

  override onRecord(listener: (event: AuditInput) => void): void {
    this.recordListeners.push(listener);
  }

  override async record(input: AuditInput): Promise<void> {
    for (const listener of this.recordListeners) listener(input);
    const redis = await this.connection();
    const event = JSON.stringify({ time: new Date(this.clock()).toISOString(), ...input });
    try {
      await redis.client.xadd(redis.key('audit'), 'MAXLEN', '~', String(this.maxEvents), '*', 'e', event);
    } catch (error) {
      throw asStoreUnavailable(error);
    }
  }

  /** Events oldest first, from every replica; unparseable entries are skipped rather than hiding the rest. */
  override async read(): Promise<AuditEvent[]> {
    const redis = await this.connection();
    const events: AuditEvent[] = [];
    let start = '-';
    try {
      for (;;) {
        const entries = await redis.client.xrange(redis.key('audit'), start, '+', 'COUNT', PAGE);
        for (const [, fields] of entries) {
          const text = fields[fields.indexOf('e') + 1];
          try {
            if (text !== undefined) events.push(JSON.parse(text) as AuditEvent);
          } catch {
            // A hand-written entry: skip it.
          }
        }
        if (entries.length < PAGE) break;
        start = `(${entries[entries.length - 1]![0]}`;
      }
    } catch (error) {
      throw asStoreUnavailable(error);
    }
    return events;
  }
}
