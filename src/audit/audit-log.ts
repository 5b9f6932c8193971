import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { queryNewest, type NewestQuery, type NewestResult } from './audit-query.js';
import { rotatedFile, rotateIfFull, type AuditRotation } from './audit-rotation.js';
import { linesBackwards } from './lines-backwards.js';

export const AUDIT_FILE = 'audit.log';
/** More rotated files than the schema allows are never looked for. */
const MAX_ROTATED_FILES = 100;

/** One audit event. Never holds a password, token, secret or cookie. */
export interface AuditEvent {
  readonly time: string;
  readonly event: string;
  /** Who did it: a username, `cli:<os user>`, `anonymous`, or `system`. */
  readonly actor: string;
  readonly target?: string;
  readonly ip?: string;
  readonly outcome?: 'success' | 'failure';
  readonly details?: Record<string, string | number | boolean | null>;
}

export type AuditInput = Omit<AuditEvent, 'time'>;
export type { AuditRotation, NewestQuery, NewestResult };

/**
 * The audit trail: JSON lines appended to audit.log in the data dir. Each
 * event is one `appendFile` with O_APPEND, so the server and the CLI can both
 * write without interleaving lines. With `rotation` (the server passes
 * `audit.maxBytes`/`audit.keep` from the config), a full audit.log becomes
 * audit.log.1 and older files shift up; readers look at the newest end first.
 */
export class AuditLog {
  private readonly file: string;
  private chain: Promise<void> = Promise.resolve();
  /** Bytes in audit.log as far as this process knows (others append too): only a hint for when to look. */
  private knownBytes: number | undefined;

  constructor(
    dataDir: string,
    private readonly now: () => number = Date.now,
    private readonly rotation: () => AuditRotation | undefined = () => undefined,
  ) {
    this.file = join(dataDir, AUDIT_FILE);
  }

  private readonly listeners: Array<(event: AuditInput) => void> = [];

  /** Called with every event as it is recorded (the metrics count them); never with the file's old lines. */
  onRecord(listener: (event: AuditInput) => void): void {
    this.listeners.push(listener);
  }

  record(input: AuditInput): Promise<void> {
    for (const listener of this.listeners) listener(input);
    return this.append(JSON.stringify({ time: new Date(this.now()).toISOString(), ...input }));
  }

  /** Stores one event, already serialized; appended to audit.log, in order, rotating first when due. */
  protected append(event: string): Promise<void> {
    const line = `${event}\n`;
    const write = async () => {
      await this.rotateIfDue();
      await appendFile(this.file, line, { mode: 0o600 });
      if (this.knownBytes !== undefined) this.knownBytes += Buffer.byteLength(line);
    };
    this.chain = this.chain.then(write, write);
    return this.chain;
  }

  /** Events oldest first, from every kept file, read whole: for small logs and tests; pages use `newest`. */
  async read(): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    for await (const line of this.linesNewestFirst()) {
      try {
        events.push(JSON.parse(line) as AuditEvent);
      } catch {
        // A torn last line after a crash: skip it.
      }
    }
    return events.reverse();
  }

  /** The newest matching events, newest first, reading back from the end only as far as the query needs. */
  newest(query: NewestQuery): Promise<NewestResult> {
    return queryNewest(this.linesNewestFirst(), query);
  }

  /** Every kept event as a JSON line, newest first; `read` and `newest` are built on it. */
  protected async *linesNewestFirst(): AsyncGenerator<string> {
    for (let n = 0; n <= MAX_ROTATED_FILES; n++) {
      let any = false;
      for await (const line of linesBackwards(rotatedFile(this.file, n))) {
        any = true;
        yield line;
      }
      // audit.log may be missing for a moment during a rotation; a missing audit.log.N ends the chain.
      if (!any && n > 0) return;
    }
  }

  private async rotateIfDue(): Promise<void> {
    const rotation = this.rotation();
    if (!rotation) return;
    if (this.knownBytes !== undefined && this.knownBytes < rotation.maxBytes) return;
    this.knownBytes = await rotateIfFull(this.file, rotation);
  }
}
