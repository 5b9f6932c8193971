import type { CredentialsStore } from '../../config/credentials-store.js';
import type { PasskeyEntry } from '../../config/mfa-schema.js';
import type { User } from '../../config/users-schema.js';
import type { AuditLog } from '../audit/audit-log.js';
import { passkeyFailure, type PasskeyFailure } from './passkey-errors.js';

export const MAX_PASSKEYS_PER_USER = 20;

interface AuditContext {
  readonly actor: string;
  readonly ip?: string | undefined;
}

/** A passkey as its owner sees it: never the public key or the user handle. */
export interface PasskeyView {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly deviceType: PasskeyEntry['deviceType'];
  readonly backedUp: boolean;
  readonly attachment: PasskeyEntry['attachment'];
  readonly transports: readonly string[];
}

export type NewPasskey = Omit<PasskeyEntry, 'userId' | 'name' | 'createdAt' | 'lastUsedAt'>;

/** Trimmed name, or null when it is empty, too long or has control characters. */
export function cleanPasskeyName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = value.normalize('NFC').trim();
  if (name.length < 1 || name.length > 64 || /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u.test(name)) return null;
  return name;
}

/**
 * Passkeys in credentials.json, beside TOTP and recovery codes: every change
 * goes through the store's serialized update, so a credential id can't be
 * registered twice and a counter can't move backwards between two racing
 * sign-ins. Create, rename, delete and use are audited.
 */
export class PasskeyService {
  constructor(
    private readonly store: CredentialsStore,
    private readonly deps: { audit: AuditLog; now: () => number },
  ) {}

  listFor(userId: string): PasskeyEntry[] {
    return this.store.current.passkeys.filter((p) => p.userId === userId);
  }

  find(credentialId: string): PasskeyEntry | undefined {
    return this.store.current.passkeys.find((p) => p.id === credentialId);
  }

  /** Stores a verified registration for `user`; refuses an id any user already has. */
  async add(user: User, credential: NewPasskey, requestedName: unknown, ctx: AuditContext): Promise<PasskeyEntry | PasskeyFailure> {
    const stamp = new Date(this.deps.now()).toISOString();
    let result: PasskeyEntry | PasskeyFailure = passkeyFailure('already_registered');
    await this.store.update((doc) => {
      // An update may run again after another replica's write: decide afresh each run.
      result = passkeyFailure('already_registered');
      if (doc.passkeys.some((p) => p.id === credential.id)) return doc;
      const mine = doc.passkeys.filter((p) => p.userId === user.id);
      if (mine.length >= MAX_PASSKEYS_PER_USER) {
        result = passkeyFailure('already_registered', `limit of ${MAX_PASSKEYS_PER_USER} passkeys reached`);
        return doc;
      }
      const name = cleanPasskeyName(requestedName) ?? defaultName(credential.attachment, mine);
      const entry: PasskeyEntry = { ...credential, userId: user.id, name, createdAt: stamp, lastUsedAt: null };
      result = entry;
      return { ...doc, passkeys: [...doc.passkeys, entry] };
    });
    if ('ok' in result) {
      await this.deps.audit.record({ event: 'passkey.failure', actor: ctx.actor, target: user.username, ip: ctx.ip, outcome: 'failure', details: { during: 'registration', code: result.code } });
      return result;
    }
    const entry: PasskeyEntry = result;
    await this.deps.audit.record({
      event: 'passkey.create',
      actor: ctx.actor,
      target: user.username,
      ip: ctx.ip,
      outcome: 'success',
      details: { passkey: entry.name, credential: shortId(entry.id), deviceType: entry.deviceType, attachment: entry.attachment },
    });
    return entry;
  }

  async rename(user: User, credentialId: string, newName: unknown, ctx: AuditContext): Promise<PasskeyEntry | PasskeyFailure> {
    const name = cleanPasskeyName(newName);
    if (name === null) return passkeyFailure('invalid_name');
    let renamed: PasskeyEntry | undefined;
    let previous = '';
    await this.store.update((doc) => {
      renamed = undefined;
      return {
        ...doc,
        passkeys: doc.passkeys.map((p) => {
          if (p.id !== credentialId || p.userId !== user.id) return p;
          previous = p.name;
          renamed = { ...p, name };
          return renamed;
        }),
      };
    });
    if (!renamed) return passkeyFailure('not_found');
    await this.deps.audit.record({ event: 'passkey.rename', actor: ctx.actor, target: user.username, ip: ctx.ip, details: { from: previous, to: name, credential: shortId(credentialId) } });
    return renamed;
  }

  /** Deletes one of `user`'s passkeys; false when they have none with that id. */
  async remove(user: User, credentialId: string, ctx: AuditContext): Promise<boolean> {
    let removed: PasskeyEntry | undefined;
    await this.store.update((doc) => {
      removed = doc.passkeys.find((p) => p.id === credentialId && p.userId === user.id);
      return removed ? { ...doc, passkeys: doc.passkeys.filter((p) => p !== removed) } : doc;
    });
    if (!removed) return false;
    await this.deps.audit.record({ event: 'passkey.delete', actor: ctx.actor, target: user.username, ip: ctx.ip, details: { passkey: removed.name, credential: shortId(credentialId) } });
    return true;
  }

  /**
   * Records a verified sign-in: the new counter, backup state and time. The
   * counter is checked again inside the write, so of two answers racing with
   * the same counter only one gets through.
   */
  async recordUse(entry: PasskeyEntry, use: { newCounter: number; backedUp: boolean }): Promise<PasskeyEntry | PasskeyFailure> {
    const stamp = new Date(this.deps.now()).toISOString();
    let result: PasskeyEntry | PasskeyFailure = passkeyFailure('passkey_removed');
    await this.store.update((doc) => {
      result = passkeyFailure('passkey_removed');
      return {
        ...doc,
        passkeys: doc.passkeys.map((p) => {
          if (p.id !== entry.id || p.userId !== entry.userId) return p;
          if (counterRegressed(p.counter, use.newCounter)) {
            result = passkeyFailure('counter_regression', `stored ${p.counter}, presented ${use.newCounter}`);
            return p;
          }
          const updated = { ...p, counter: use.newCounter, backedUp: use.backedUp, lastUsedAt: stamp };
          result = updated;
          return updated;
        }),
      };
    });
    return result;
  }
}

/** A counter that is not above the stored one, when either is in use (non-zero), means a cloned key. */
export function counterRegressed(stored: number, presented: number): boolean {
  return (stored > 0 || presented > 0) && presented <= stored;
}

export function viewOfPasskey(entry: PasskeyEntry): PasskeyView {
  return {
    id: entry.id,
    name: entry.name,
    createdAt: entry.createdAt,
    lastUsedAt: entry.lastUsedAt,
    deviceType: entry.deviceType,
    backedUp: entry.backedUp,
    attachment: entry.attachment,
    transports: entry.transports,
  };
}

function defaultName(attachment: PasskeyEntry['attachment'], existing: readonly PasskeyEntry[]): string {
  const base = attachment === 'cross-platform' ? 'Security key' : 'Passkey';
  const taken = new Set(existing.map((p) => p.name));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base} ${n}`)) return `${base} ${n}`;
}

/** Enough of a credential id to tell entries apart in the audit log. */
function shortId(id: string): string {
  return id.slice(0, 12);
}
