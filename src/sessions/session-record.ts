import type { Acr, AuthMode, Principal } from '../../strategies/types.js';

/** One server-side session. The cookie holds `id.secret`; only sha256(secret) is kept here. */
export interface SessionRecord {
  readonly id: string;
  readonly secretHash: string;
  /** Sessions are valid only under the mode that created them. */
  readonly mode: AuthMode;
  readonly principal: Principal;
  readonly amr: readonly string[];
  readonly acr: Acr;
  /** Epoch ms of the last second factor, for step-up windows; null when none. */
  readonly mfaAt: number | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  lastSeenAt: number;
  readonly ip: string;
  readonly userAgent: string;
  /**
   * A partial session: the password was right but a second factor (or its
   * enrolment, or replacing a one-time password) is still owed. It never
   * passes a check or reaches an API.
   */
  readonly pending?: PendingStep;
}

/** `password_change`: signed in with the one-time password `gatehouse recover` printed; only a new password (or signing out) comes next. */
export type PendingStep = 'second_factor' | 'enrolment' | 'password_change';

/**
 * Where sessions live. `get` is synchronous because the forward-auth hot path
 * reads from memory; implementations keep a full in-memory copy and write
 * through to their backing store (a file by default, Redis for replicas).
 */
export interface SessionStore {
  load(): Promise<void>;
  get(id: string): SessionRecord | undefined;
  all(): Iterable<SessionRecord>;
  put(record: SessionRecord): Promise<void>;
  delete(ids: readonly string[]): Promise<void>;
  /** Records activity in memory; persisted lazily by `flush`. */
  touch(id: string, at: number): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}
