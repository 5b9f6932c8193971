import { randomBytes } from 'node:crypto';
import type { UsersStore } from '../../config/users-store.js';
import type { User, UsersFile } from '../../config/users-schema.js';
import type { PasswordCheck, Role } from '../../strategies/types.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { BanEvent, Regulator } from '../security/regulation.js';
import { HasherBusyError, type PasswordHasher } from './password-hasher.js';
import { passwordProblem } from './password-policy.js';
import { userPrincipal } from './principal.js';
import { usernameKey, usernameProblem } from './username.js';

/** A refused user operation; `message` is safe to show to the person who asked. */
export class UserError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Actor {
  /** Username, `cli:<user>`, or `system`. */
  readonly name: string;
  readonly ip?: string;
}

export interface NewUser {
  readonly username: string;
  readonly role: Role;
  readonly password?: string;
  readonly displayName?: string;
  readonly email?: string;
}

export interface UserPatch {
  readonly role?: Role | undefined;
  readonly disabled?: boolean | undefined;
  readonly requires2fa?: boolean | undefined;
  readonly displayName?: string | undefined;
  readonly email?: string | undefined;
}

/** What the login form, JSON login and Basic auth get back. */
export type LoginResult = { ok: true; user: User } | { ok: false; reason: 'invalid' | 'busy' };

/** Public view of a user: everything but the hash. */
export type UserView = Omit<User, 'passwordHash'> & { hasPassword: boolean };

export function viewOf(user: User): UserView {
  const { passwordHash, ...rest } = user;
  return { ...rest, hasPassword: passwordHash !== '' };
}

function enabledAdmins(doc: UsersFile): User[] {
  return doc.users.filter((u) => u.role === 'admin' && !u.disabled && u.passwordHash !== '');
}

/**
 * Local accounts: creation, password and role changes, login verification.
 * Every change is validated, written through the users store (so the CLI and
 * the server see each other's edits) and audited.
 */
export class UserService {
  private readonly dummyHashes = new Map<number, Promise<string>>();

  constructor(
    private readonly store: UsersStore,
    private readonly deps: {
      hasher: PasswordHasher;
      audit: AuditLog;
      regulator: Regulator | null;
      /** Told about every ban a failed login starts (to persist it). */
      onBan?: (events: readonly BanEvent[]) => void;
      bcryptCost: () => number;
      now: () => number;
    },
  ) {}

  list(): User[] {
    return this.store.current.users;
  }

  find(username: string): User | undefined {
    const key = usernameKey(username);
    return this.store.current.users.find((u) => u.usernameKey === key);
  }

  findById(id: string): User | undefined {
    return this.store.current.users.find((u) => u.id === id);
  }

  /** True when at least one enabled admin can sign in with a password. */
  hasUsableAdmin(): boolean {
    return enabledAdmins(this.store.current).length > 0;
  }

  async create(input: NewUser, actor: Actor): Promise<User> {
    const problem = usernameProblem(input.username);
    if (problem) throw new UserError('invalid_username', problem);
    if (input.password !== undefined) this.assertPassword(input.password);
    const passwordHash = input.password === undefined ? '' : await this.deps.hasher.hash(input.password, this.deps.bcryptCost());
    const key = usernameKey(input.username);
    const stamp = new Date(this.deps.now()).toISOString();
    const user: User = {
      id: randomBytes(12).toString('base64url'),
      username: input.username.normalize('NFKC'),
      usernameKey: key,
      displayName: input.displayName ?? '',
      email: input.email ?? '',
      role: input.role,
      passwordHash,
      disabled: false,
      requires2fa: false,
      mustChangePassword: false,
      createdAt: stamp,
      updatedAt: stamp,
      ...(input.password === undefined ? {} : { passwordChangedAt: stamp }),
    };
    await this.store.update((doc) => {
      if (doc.users.some((u) => u.usernameKey === key)) throw new UserError('username_taken', `a user named ${input.username} (or one that looks the same) already exists`);
      return { ...doc, users: [...doc.users, user] };
    });
    await this.deps.audit.record({ event: 'user.create', actor: actor.name, target: user.username, ip: actor.ip, details: { role: user.role } });
    return user;
  }

  async setPassword(username: string, password: string, actor: Actor, options: { mustChange?: boolean } = {}): Promise<User> {
    this.assertPassword(password);
    const passwordHash = await this.deps.hasher.hash(password, this.deps.bcryptCost());
    const user = await this.change(username, (u, stamp) => ({ ...u, passwordHash, passwordChangedAt: stamp, mustChangePassword: options.mustChange ?? false }));
    await this.deps.audit.record({ event: 'user.password', actor: actor.name, target: user.username, ip: actor.ip });
    return user;
  }

  async setRole(username: string, role: Role, actor: Actor): Promise<User> {
    const before = this.find(username)?.role;
    const user = await this.change(username, (u) => ({ ...u, role }));
    await this.deps.audit.record({ event: 'user.role', actor: actor.name, target: user.username, ip: actor.ip, details: { from: before ?? null, to: role } });
    return user;
  }

  async setDisabled(username: string, disabled: boolean, actor: Actor): Promise<User> {
    const user = await this.change(username, (u) => ({ ...u, disabled }));
    await this.deps.audit.record({ event: disabled ? 'user.disable' : 'user.enable', actor: actor.name, target: user.username, ip: actor.ip });
    return user;
  }

  /**
   * Several account changes as one write: either all of them apply or, when
   * one is refused (e.g. demoting the last admin), none does.
   */
  async edit(username: string, patch: UserPatch, actor: Actor): Promise<User> {
    const before = this.find(username);
    const user = await this.change(username, (u) => ({
      ...u,
      role: patch.role ?? u.role,
      disabled: patch.disabled ?? u.disabled,
      requires2fa: patch.requires2fa ?? u.requires2fa,
      displayName: patch.displayName ?? u.displayName,
      email: patch.email ?? u.email,
    }));
    const audit = (event: string, details?: Record<string, string | boolean | null>) =>
      this.deps.audit.record({ event, actor: actor.name, target: user.username, ip: actor.ip, ...(details ? { details } : {}) });
    if (patch.role !== undefined && patch.role !== before?.role) await audit('user.role', { from: before?.role ?? null, to: patch.role });
    if (patch.disabled !== undefined && patch.disabled !== before?.disabled) await audit(patch.disabled ? 'user.disable' : 'user.enable');
    if (patch.requires2fa !== undefined && patch.requires2fa !== before?.requires2fa) await audit('user.require-2fa', { required: patch.requires2fa });
    if (patch.displayName !== undefined || patch.email !== undefined) await audit('user.update');
    return user;
  }

  async setRequires2fa(username: string, required: boolean, actor: Actor): Promise<User> {
    const user = await this.change(username, (u) => ({ ...u, requires2fa: required }));
    await this.deps.audit.record({ event: 'user.require-2fa', actor: actor.name, target: user.username, ip: actor.ip, details: { required } });
    return user;
  }

  async remove(username: string, actor: Actor): Promise<void> {
    const key = usernameKey(username);
    let removed: User | undefined;
    await this.store.update((doc) => {
      removed = doc.users.find((u) => u.usernameKey === key);
      if (!removed) throw new UserError('no_such_user', `no user named ${username}`);
      const next = { ...doc, users: doc.users.filter((u) => u.usernameKey !== key) };
      this.assertAdminRemains(doc, next);
      return next;
    });
    await this.deps.audit.record({ event: 'user.delete', actor: actor.name, target: removed!.username, ip: actor.ip });
  }

  /**
   * Checks a username and password. Unknown users, disabled users and
   * banned clients cost the same bcrypt verify as a wrong password and get
   * the same answer, so none of them can be told apart from outside.
   */
  async checkLogin(username: string, password: string, ip: string): Promise<LoginResult> {
    const user = usernameProblem(username) === null ? this.find(username) : undefined;
    const regulator = this.deps.regulator;
    const banned = regulator?.isBanned(user?.usernameKey ?? null, ip) ?? false;
    let ok = false;
    try {
      ok = await this.deps.hasher.verify(password, user?.passwordHash || (await this.dummy()));
    } catch (error) {
      if (error instanceof HasherBusyError) return { ok: false, reason: 'busy' };
      throw error;
    }
    if (ok && user && !user.disabled && !banned) {
      regulator?.recordSuccess(user.usernameKey, ip);
      await this.deps.audit.record({ event: 'login.success', actor: user.username, ip, outcome: 'success', details: { method: 'password' } });
      return { ok: true, user };
    }
    const bans = banned ? [] : (regulator?.recordFailure(user?.usernameKey ?? null, ip) ?? []);
    await this.deps.audit.record({
      event: 'login.failure',
      actor: 'anonymous',
      target: user ? user.username : undefined,
      ip,
      outcome: 'failure',
      details: { reason: banned ? 'banned' : !user ? 'unknown_user' : user.disabled ? 'disabled' : 'wrong_password' },
    });
    this.deps.onBan?.(bans);
    for (const ban of bans) {
      await this.deps.audit.record({ event: 'regulation.ban', actor: 'system', target: ban.key, ip, details: { kind: ban.kind, until: new Date(ban.until).toISOString() } });
    }
    return { ok: false, reason: 'invalid' };
  }

  /** True while regulation bans this account or client address. */
  isBanned(username: string, ip: string): boolean {
    return this.deps.regulator?.isBanned(usernameKey(username), ip) ?? false;
  }

  /** StrategyServices.checkPassword: a login that yields a principal. */
  async checkPassword(username: string, password: string, ip: string): Promise<PasswordCheck> {
    const result = await this.checkLogin(username, password, ip);
    return result.ok ? { ok: true, principal: userPrincipal(result.user) } : result;
  }

  private assertPassword(password: string): void {
    const problem = passwordProblem(password);
    if (problem) throw new UserError('weak_password', problem);
  }

  private assertAdminRemains(before: UsersFile, after: UsersFile): void {
    if (enabledAdmins(before).length > 0 && enabledAdmins(after).length === 0) {
      throw new UserError('last_admin', 'refused: this would leave no enabled admin who can sign in');
    }
  }

  private async change(username: string, edit: (user: User, stamp: string) => User): Promise<User> {
    const key = usernameKey(username);
    let changed: User | undefined;
    await this.store.update((doc) => {
      const stamp = new Date(this.deps.now()).toISOString();
      const users = doc.users.map((u) => (u.usernameKey === key ? (changed = { ...edit(u, stamp), updatedAt: stamp }) : u));
      if (!changed) throw new UserError('no_such_user', `no user named ${username}`);
      const next = { ...doc, users };
      this.assertAdminRemains(doc, next);
      return next;
    });
    return changed!;
  }

  /** Computes the dummy hash ahead of the first login, so that login is not slower than the rest. */
  async prepare(): Promise<void> {
    await this.dummy();
  }

  /** A real bcrypt hash of the configured cost, so an unknown user costs a full verify. */
  private dummy(): Promise<string> {
    const cost = this.deps.bcryptCost();
    let hash = this.dummyHashes.get(cost);
    if (!hash) {
      hash = this.deps.hasher.hash(randomBytes(16).toString('base64'), cost);
      this.dummyHashes.set(cost, hash);
    }
    return hash;
  }
}
