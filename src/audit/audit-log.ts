import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const AUDIT_FILE = 'audit.log';

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

/**
 * The audit trail: JSON lines appended to audit.log in the data dir. Each
 * event is one `appendFile` with O_APPEND, so the server and the CLI can both
 * write without interleaving lines.
 */
export class AuditLog {
  private readonly file: string;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    dataDir: string,
    private readonly now: () => number = Date.now,
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
    const line = `${JSON.stringify({ time: new Date(this.now()).toISOString(), ...input })}\n`;
    const write = () => appendFile(this.file, line, { mode: 0o600 });
    this.chain = this.chain.then(write, write);
    return this.chain;
  }

  /** Events oldest first; unparseable lines are skipped rather than hiding the rest. */
  async read(): Promise<AuditEvent[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const events: AuditEvent[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        events.push(JSON.parse(line) as AuditEvent);
      } catch {
        // A torn last line after a crash: skip it.
      }
    }
    return events;
  }
}
