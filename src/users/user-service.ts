import { randomBytes } from 'node:crypto';
import type { UsersStore } from '../../config/users-store.js';
import type { User, UsersFile } from '../../config/users-schema.js';
import type { PasswordCheck, Role } from '../../strategies/types.js';
import type { AuditLog } from '../audit/audit-log.js';
import { constantTimeEqual } from '../crypto/constant-time.js';
import type { Regulation } from '../security/regulation-backend.js';
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

/**
 * What the login form, JSON login and Basic auth get back.
 * `password_change_required`: the password is right but one-time (printed by
 * `gatehouse recover`) and this login is not the one place that takes it.
 */
export type LoginResult = { ok: true; user: User } | { ok: false; reason: 'invalid' | 'busy' | 'password_change_required' };

export interface LoginOptions {
  /**
   * Set by the portal's sign-in form only: the one login a one-time password
   * is good for, which uses it up. Everywhere else (JSON login, Basic auth,
   * "current password" checks) a one-time password is refused.
   */
  readonly useOneTimePassword?: boolean;
}

/** A one-time password was used or replaced while a login was verifying it. */
class OneTimePasswordGone extends Error {}

/** The account without the "one-time password used" mark: for every password change. */
function withoutOneTimeMark(user: User): User {
  const { oneTimePasswordUsedAt: _used, ...rest } = user;
  return rest;
}

/** Public view of a user: everything but the hash. */
export type UserView = Omit<User, 'passwordHash'> & { hasPassword: boolean };

export function viewOf(user: User): UserView {
  const { passwordHash, ...rest } = user;
  return { ...rest, hasPassword: passwordHash !== '' };
}

/** Admins who can still sign in: a spent one-time password (`gatehouse recover`) opens nothing until it is replaced. */
function enabledAdmins(doc: UsersFile): User[] {
  return doc.users.filter((u) => u.role === 'admin' && !u.disabled && u.passwordHash !== '' && u.oneTimePasswordUsedAt === undefined);
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
      regulator: Regulation | null;
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
    const user = await this.change(username, (u, stamp) => ({ ...withoutOneTimeMark(u), passwordHash, passwordChangedAt: stamp, mustChangePassword: options.mustChange ?? false }));
    await this.deps.audit.record({ event: 'user.password', actor: actor.name, target: user.username, ip: actor.ip });
    return user;
  }

  /**
   * The step a one-time sign-in leads to: a new password replaces the one-time
   * password that signed in. Refused unless that password really was used
   * (and not replaced since, e.g. by another `gatehouse recover`), and when
   * the new password is the one-time password again.
   */
  async replaceOneTimePassword(userId: string, password: string, actor: Actor): Promise<User> {
    this.assertPassword(password);
    const before = this.findById(userId);
    const usable = (u: User | undefined): u is User => u !== undefined && u.mustChangePassword && u.oneTimePasswordUsedAt !== undefined && !u.disabled;
    const gone = () => new UserError('no_one_time_password', 'this sign-in can no longer set a password; sign in again');
    if (!usable(before)) throw gone();
    if (await this.deps.hasher.verify(password, before.passwordHash)) throw new UserError('same_password', 'choose a new password, not the one-time password');
    const passwordHash = await this.deps.hasher.hash(password, this.deps.bcryptCost());
    const user = await this.change(before.username, (u, stamp) => {
      if (u.id !== userId || !usable(u) || !constantTimeEqual(u.passwordHash, before.passwordHash)) throw gone();
      return { ...withoutOneTimeMark(u), passwordHash, passwordChangedAt: stamp, mustChangePassword: false };
    });
    await this.deps.audit.record({ event: 'user.password', actor: actor.name, target: user.username, ip: actor.ip, details: { replaced: 'one_time_password' } });
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
  async checkLogin(username: string, password: string, ip: string, options: LoginOptions = {}): Promise<LoginResult> {
    const user = usernameProblem(username) === null ? this.find(username) : undefined;
    const regulator = this.deps.regulator;
    const banned = regulator ? await regulator.checkBanned(user?.usernameKey ?? null, ip) : false;
    let ok = false;
    try {
      ok = await this.deps.hasher.verify(password, user?.passwordHash || (await this.dummy()));
    } catch (error) {
      if (error instanceof HasherBusyError) return { ok: false, reason: 'busy' };
      throw error;
    }
    if (ok && user && !user.disabled && !banned) {
      if (user.mustChangePassword) return this.oneTimeLogin(user, ip, options);
      await regulator?.recordSuccess(user.usernameKey, ip);
      await this.deps.audit.record({ event: 'login.success', actor: user.username, ip, outcome: 'success', details: { method: 'password' } });
      return { ok: true, user };
    }
    return this.refuse(user, ip, banned ? 'banned' : !user ? 'unknown_user' : user.disabled ? 'disabled' : 'wrong_password');
  }

  /** A failed login: counted toward regulation (except while banned), audited, and answered like a wrong password. */
  private async refuse(user: User | undefined, ip: string, reason: string): Promise<LoginResult> {
    const regulator = this.deps.regulator;
    const bans = reason === 'banned' || !regulator ? [] : await regulator.recordFailure(user?.usernameKey ?? null, ip);
    await this.deps.audit.record({ event: 'login.failure', actor: 'anonymous', target: user ? user.username : undefined, ip, outcome: 'failure', details: { reason } });
    for (const ban of bans) {
      await this.deps.audit.record({ event: 'regulation.ban', actor: 'system', target: ban.key, ip, details: { kind: ban.kind, until: new Date(ban.until).toISOString() } });
    }
    return { ok: false, reason: 'invalid' };
  }

  /**
   * The right password, and it is one-time. Used once already: it is a wrong
   * password now. Not the portal form: refused, and left for the form. The
   * form: let through once, marked used in the same write that decides it.
   */
  private async oneTimeLogin(user: User, ip: string, options: LoginOptions): Promise<LoginResult> {
    if (user.oneTimePasswordUsedAt !== undefined) return this.refuse(user, ip, 'one_time_password_used');
    if (options.useOneTimePassword !== true) {
      await this.deps.audit.record({ event: 'login.failure', actor: 'anonymous', target: user.username, ip, outcome: 'failure', details: { reason: 'password_change_required' } });
      return { ok: false, reason: 'password_change_required' };
    }
    const used = await this.useOneTimePassword(user);
    if (!used) return this.refuse(user, ip, 'one_time_password_used');
    await this.deps.regulator?.recordSuccess(user.usernameKey, ip);
    await this.deps.audit.record({ event: 'user.one-time-password.used', actor: used.username, target: used.username, ip, outcome: 'success' });
    await this.deps.audit.record({ event: 'login.success', actor: used.username, ip, outcome: 'success', details: { method: 'password', oneTimePassword: true } });
    return { ok: true, user: used };
  }

  /**
   * Marks the one-time password `verified` carries as used, in one locked
   * write that re-reads users.json first: of two logins racing (in this
   * process or another), exactly one finds it unused. Null when it was used
   * or replaced meanwhile, or the account changed so it may not sign in.
   */
  private async useOneTimePassword(verified: User): Promise<User | null> {
    let used: User | undefined;
    try {
      await this.store.update((doc) => {
        // An update may run again after another replica's write: decide afresh each run.
        used = undefined;
        const stamp = new Date(this.deps.now()).toISOString();
        const users = doc.users.map((u) => {
          if (u.id !== verified.id) return u;
          if (!u.mustChangePassword || u.oneTimePasswordUsedAt !== undefined || u.disabled || !constantTimeEqual(u.passwordHash, verified.passwordHash)) throw new OneTimePasswordGone();
          used = { ...u, oneTimePasswordUsedAt: stamp, updatedAt: stamp };
          return used;
        });
        if (!used) throw new OneTimePasswordGone();
        return { ...doc, users };
      });
    } catch (error) {
      if (error instanceof OneTimePasswordGone) return null;
      throw error;
    }
    return used ?? null;
  }

  /** True while regulation bans this account or client address. */
  isBanned(username: string, ip: string): boolean {
    return this.deps.regulator?.isBanned(usernameKey(username), ip) ?? false;
  }

  /** StrategyServices.checkPassword: a login that yields a principal. */
  async checkPassword(username: string, password: string, ip: string): Promise<PasswordCheck> {
    const result = await this.checkLogin(username, password, ip);
    if (result.ok) return { ok: true, principal: userPrincipal(result.user) };
    // A one-time password is for the portal form only: Basic gets the answer a wrong password gets.
    return { ok: false, reason: result.reason === 'busy' ? 'busy' : 'invalid' };
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
      changed = undefined;
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
