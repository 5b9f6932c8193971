import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readTextIfExists, writeFileAtomic } from '../../config/atomic-file.js';
import type { AuthMode } from '../../strategies/types.js';

export interface PendingSwitch {
  readonly from: AuthMode;
  readonly to: AuthMode;
  readonly by: string;
  readonly at: number;
  readonly deadline: number;
}

export const MODE_SWITCH_FILE = 'mode-switch.json';

/**
 * Where the switch waiting for confirmation is kept: the data dir (one
 * process) or Redis (several replicas, so any of them can confirm it and
 * whichever is alive rolls it back). The mode switcher sees only this.
 */
export interface PendingSwitchStore {
  /** The switch stored now (read at start, and before a confirmation). */
  load(): Promise<PendingSwitch | null>;
  /** False once the stored switch is gone (cancelled from the shell, or confirmed or rolled back elsewhere). Synchronous: the settings page asks often. */
  stillStored(): boolean;
  save(pending: PendingSwitch): Promise<void>;
  clear(): Promise<void>;
  /**
   * Removes `pending` only if it is still the stored switch, atomically:
   * true for exactly one caller, the one that rolls it back.
   */
  claim(pending: PendingSwitch): Promise<boolean>;
  /** Called when another process stores or removes a switch. */
  onChange(listener: (pending: PendingSwitch | null) => void): void;
  close(): void;
}

export function parsePendingSwitch(text: string | null): PendingSwitch | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as PendingSwitch;
    return typeof value.from === 'string' && typeof value.to === 'string' && typeof value.deadline === 'number' ? value : null;
  } catch {
    return null;
  }
}

/** mode-switch.json in the data dir; `gatehouse recover` deletes it to cancel a switch. */
export class FilePendingSwitchStore implements PendingSwitchStore {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, MODE_SWITCH_FILE);
  }

  async load(): Promise<PendingSwitch | null> {
    const text = await readTextIfExists(this.file);
    const pending = parsePendingSwitch(text);
    if (text !== null && !pending) await unlink(this.file).catch(() => undefined);
    return pending;
  }

  stillStored(): boolean {
    return existsSync(this.file);
  }

  save(pending: PendingSwitch): Promise<void> {
    return writeFileAtomic(this.file, JSON.stringify(pending));
  }

  async clear(): Promise<void> {
    await unlink(this.file).catch(() => undefined);
  }

  async claim(): Promise<boolean> {
    // One process owns the data dir: the file still being there is the whole question.
    if ((await readTextIfExists(this.file)) === null) return false;
    await this.clear();
    return true;
  }

  onChange(): void {
    // Only this process writes the file (and the shell deletes it, which stillStored sees).
  }

  close(): void {}
}
