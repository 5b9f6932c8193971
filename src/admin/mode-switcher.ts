import type { Logger } from 'pino';
import type { ConfigStore } from '../../config/config-store.js';
import type { Config } from '../../config/schema.js';
import { parseDuration } from '../../config/duration.js';
import type { AuthMode } from '../../strategies/types.js';
import type { AuditLog } from '../audit/audit-log.js';
import { lockoutProblems } from '../mode-switch.js';
import type { MfaService } from '../mfa/mfa-service.js';
import type { UserService } from '../users/user-service.js';
import { FilePendingSwitchStore, type PendingSwitch, type PendingSwitchStore } from './pending-switch-store.js';

export type { PendingSwitch } from './pending-switch-store.js';

// A rollback that could not be written (the store is down) is tried again this often.
const ROLLBACK_RETRY_MS = 5_000;

export interface Preflight {
  readonly allowed: boolean;
  readonly problems: string[];
  readonly effects: string[];
}

/** "5 minutes", or "30 seconds" for a window shorter than a minute (never "0 minutes"). */
function windowText(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} seconds` : `${Math.round(ms / 60_000)} minutes`;
}

export class ModeSwitchError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

/**
 * Switches the authentication mode without locking the admin out: a
 * preflight refuses switches nobody could sign in under, and every switch is
 * provisional (commit-confirm) until an admin confirms it from a session that
 * is valid under the new mode. Unconfirmed after five minutes, it rolls back
 * by itself — also across a restart, since the pending switch is stored
 * (in the data dir, or in Redis where every replica arms the same deadline
 * and exactly one performs the rollback).
 */
export class ModeSwitcher {
  private pendingSwitch: PendingSwitch | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly store: PendingSwitchStore;

  constructor(
    private readonly deps: {
      dataDir: string;
      config: ConfigStore;
      users: UserService;
      mfa: MfaService;
      audit: AuditLog;
      log: Logger;
      now: () => number;
      /** Why oauth2 can't be switched to yet (discovery, a test login), or null when it can. */
      oauth2Readiness: () => string | null;
      /** Where the pending switch is kept (default mode-switch.json in the data dir). */
      pendingStore?: PendingSwitchStore;
    },
  ) {
    this.store = deps.pendingStore ?? new FilePendingSwitchStore(deps.dataDir);
    // Another replica started, confirmed or rolled back a switch: follow it, and arm the same deadline.
    this.store.onChange((pending) => {
      this.pendingSwitch = pending;
      this.arm();
    });
  }

  /** The switch waiting for confirmation; one cancelled from the shell (`gatehouse recover`) or ended elsewhere is forgotten. */
  pending(): PendingSwitch | null {
    if (this.pendingSwitch && !this.store.stillStored()) {
      clearTimeout(this.timer);
      this.pendingSwitch = null;
    }
    return this.pendingSwitch;
  }

  /** Restores a switch left pending by a previous process (or another replica); rolls it back at once if overdue. */
  async start(): Promise<void> {
    this.pendingSwitch = await this.store.load();
    this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.store.close();
  }

  preflight(to: AuthMode, confirmation?: string): Preflight {
    const current = this.deps.config.current;
    const problems: string[] = [];
    if (to === current.mode) problems.push(`Gatehouse is already in ${to} mode`);
    const candidate = { ...current, mode: to } as Config;
    if (to === 'oauth2' && !current.oauth2) problems.push('set up the OIDC provider first (issuer URL, client id)');
    else problems.push(...lockoutProblems(candidate, this.deps.users));
    if (to === 'userPassword' && current.security.requireTfaForAdmin && !this.deps.users.list().some((u) => u.role === 'admin' && !u.disabled && u.passwordHash && this.deps.mfa.hasSecondFactor(u.id))) {
      problems.push('requireTfaForAdmin is on: an admin with two-factor authentication set up is needed first');
    }
    if (to === 'oauth2') {
      const reason = this.deps.oauth2Readiness();
      if (reason) problems.push(reason);
    }
    if (to === 'open' && confirmation !== 'open') problems.push('type "open" to confirm: open mode lets everyone in as an administrator');
    const effects = [
      `every current session stops working: sessions belong to the ${current.mode} mode`,
      `sign in again under ${to} mode and confirm the switch within ${windowText(this.window())}, or Gatehouse switches back to ${current.mode} by itself`,
    ];
    if (to === 'open') effects.push('until you switch away, anyone who can reach Gatehouse is an administrator');
    return { allowed: problems.length === 0, problems, effects };
  }

  async switchTo(to: AuthMode, by: string, confirmation?: string): Promise<PendingSwitch> {
    const check = this.preflight(to, confirmation);
    if (!check.allowed) throw new ModeSwitchError('switch_refused', 'the switch would lock you out', check.problems);
    const from = this.deps.config.current.mode;
    const now = this.deps.now();
    // A switch made while another was pending keeps the oldest "from": rolling back returns to what was confirmed.
    const pending: PendingSwitch = { from: this.pending()?.from ?? from, to, by, at: now, deadline: now + this.window() };
    // Stored before the mode changes: a mode in force without its rollback would never roll back.
    await this.store.save(pending);
    try {
      await this.deps.config.update((config) => ({ ...config, mode: to }) as Config);
    } catch (error) {
      await this.store.clear().catch(() => undefined);
      throw error;
    }
    this.pendingSwitch = pending;
    this.arm();
    await this.deps.audit.record({ event: 'mode.switch', actor: by, details: { from, to, confirmBy: new Date(pending.deadline).toISOString() } });
    return pending;
  }

  /** Makes the pending switch permanent. `sessionMode` is the mode the confirming session belongs to. */
  async confirm(by: string, sessionMode: AuthMode): Promise<void> {
    // Read it again: the switch may have been started, confirmed or rolled back on another replica a moment ago.
    this.pendingSwitch = await this.store.load();
    const pending = this.pending();
    if (!pending) throw new ModeSwitchError('nothing_pending', 'there is no switch waiting for confirmation');
    if (sessionMode !== pending.to || this.deps.config.current.mode !== pending.to) {
      throw new ModeSwitchError('wrong_session', `confirm from a session signed in under ${pending.to} mode`);
    }
    await this.clear();
    await this.deps.audit.record({ event: 'mode.confirm', actor: by, details: { from: pending.from, to: pending.to } });
  }

  private arm(): void {
    clearTimeout(this.timer);
    const pending = this.pendingSwitch;
    if (!pending) return;
    this.timer = setTimeout(() => void this.rollback(pending), Math.max(0, pending.deadline - this.deps.now()));
    this.timer.unref();
  }

  private async rollback(pending: PendingSwitch): Promise<void> {
    // By value: the same switch is re-read from the store (a confirm attempt, another replica's notice).
    const current = this.pendingSwitch;
    if (!current || current.at !== pending.at || current.deadline !== pending.deadline) return;
    let claimed = false;
    try {
      // Only the caller that removes the stored switch rolls back: one replica, once. Cancelled from the shell → nothing to do.
      claimed = await this.store.claim(pending);
      if (!claimed) {
        this.pendingSwitch = null;
        return;
      }
      await this.deps.config.update((config) => ({ ...config, mode: pending.from }) as Config);
      clearTimeout(this.timer);
      this.pendingSwitch = null;
      await this.deps.audit.record({ event: 'mode.rollback', actor: 'system', details: { from: pending.to, to: pending.from, reason: 'not confirmed in time' } });
      this.deps.log.warn({ from: pending.to, to: pending.from }, `mode switch to ${pending.to} was not confirmed in time; rolled back to ${pending.from}`);
    } catch (error) {
      this.deps.log.error({ err: error }, `rolling back an unconfirmed mode switch failed; trying again in ${ROLLBACK_RETRY_MS / 1000} s`);
      // Put the claimed switch back so that this replica, or another, rolls it back once the store answers.
      if (claimed) await this.store.save(pending).catch(() => undefined);
      this.timer = setTimeout(() => void this.rollback(pending), ROLLBACK_RETRY_MS);
      this.timer.unref();
    }
  }

  private async clear(): Promise<void> {
    await this.store.clear();
    clearTimeout(this.timer);
    this.pendingSwitch = null;
  }

  private window(): number {
    return parseDuration(this.deps.config.current.security.switchConfirmWindow);
  }
}
