import type { CredentialsStore } from '../../config/credentials-store.js';
import type { TotpEntry } from '../../config/mfa-schema.js';
import type { User } from '../../config/users-schema.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { createHash } from 'node:crypto';
import { ephemeralBackend, type EphemeralBackend } from '../backend/ephemeral-backend.js';
import type { LockoutCounter, LockoutRule } from '../backend/lockout-counter.js';
import type { OneTimeStore } from '../backend/one-time-store.js';
import { findRecoveryCode, hashRecoveryCode, newRecoveryCodes } from './recovery-codes.js';
import { newTotpSecret, TOTP_PERIOD_SECONDS, totpUri, verifyTotp } from './totp.js';

/** The enrolment QR code; the library is loaded on first enrolment, not by every idle instance. */
async function qrSvg(uri: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
}

export const MAX_CODE_FAILURES = 5;
export const CODE_LOCKOUT_MS = 15 * 60_000;
const CODE_RULE: LockoutRule = { maxFailures: MAX_CODE_FAILURES, windowMs: CODE_LOCKOUT_MS, lockMs: CODE_LOCKOUT_MS };
/** How long a spent recovery code stays claimed: long enough for every replica to see it gone from the credentials. */
const RECOVERY_CLAIM_MS = 60 * 60_000;

/** A refused 2FA operation; `message` is safe to show. */
export class MfaError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface MfaStatus {
  readonly totpEnrolled: boolean;
  readonly enrolledAt: string | null;
  readonly recoveryCodesLeft: number;
  readonly passkeyCount: number;
  readonly passkeyEnrolledAt: string | null;
  /** amr values the user can present: otp, hwk… */
  readonly methods: string[];
}

export type SecondFactorResult = { ok: true; method: 'otp' | 'recovery' } | { ok: false; reason: 'invalid' | 'locked' | 'not_enrolled' };

interface AuditContext {
  readonly actor: string;
  readonly ip?: string | undefined;
}

/**
 * TOTP and recovery codes for local users. A code's time step and a
 * recovery code are each claimed once in the ephemeral backend before they
 * count (with Redis, a code used on one replica is refused on every other,
 * and of two parallel uses of a recovery code exactly one passes); the last
 * used step is also kept with the secret, so a restart forgets nothing.
 * Five wrong codes lock the user's second-factor step for 15 minutes,
 * counted across replicas, whatever happens to their password attempts
 * meanwhile.
 */
export class MfaService {
  /** The tail of each user's queue of second-factor attempts. */
  private readonly attempts = new Map<string, Promise<unknown>>();
  private readonly failures: LockoutCounter;
  private readonly spent: OneTimeStore;

  constructor(
    private readonly store: CredentialsStore,
    private readonly deps: {
      box: SecretBox | null;
      audit: AuditLog;
      now: () => number;
      issuer: () => string;
      /** Where failure counts and spent codes live; in memory when not given (one process). */
      ephemeral?: EphemeralBackend;
    },
  ) {
    const ephemeral = deps.ephemeral ?? ephemeralBackend(undefined, deps.now);
    this.failures = ephemeral.lockouts('mfa');
    this.spent = ephemeral.oneTime('mfa');
  }

  status(userId: string): MfaStatus {
    const doc = this.store.current;
    const totp = doc.totp.find((t) => t.userId === userId && t.confirmedAt !== null);
    const recovery = doc.recovery.find((r) => r.userId === userId);
    const passkeys = doc.passkeys.filter((p) => p.userId === userId);
    const methods = [...(totp ? ['otp'] : []), ...(passkeys.length > 0 ? ['hwk'] : [])];
    return {
      totpEnrolled: Boolean(totp),
      enrolledAt: totp?.confirmedAt ?? null,
      recoveryCodesLeft: recovery?.hashes.length ?? 0,
      passkeyCount: passkeys.length,
      passkeyEnrolledAt: passkeys.map((p) => p.createdAt ?? '').sort()[0] || null,
      methods,
    };
  }

  hasSecondFactor(userId: string): boolean {
    return this.status(userId).methods.length > 0;
  }

  async isLocked(userId: string): Promise<boolean> {
    return (await this.failures.lockedUntil(userId)) > 0;
  }

  /** Starts (or restarts) TOTP enrolment: a new unconfirmed secret, its URI and a QR code. */
  async beginTotp(user: User): Promise<{ secret: string; uri: string; qrSvg: string }> {
    const box = this.requireBox();
    if (this.status(user.id).totpEnrolled) throw new MfaError('already_enrolled', 'An authenticator app is already set up. Disable it first to set up another.');
    const secret = newTotpSecret();
    const stamp = new Date(this.deps.now()).toISOString();
    await this.store.update((doc) => ({
      ...doc,
      totp: [...doc.totp.filter((t) => t.userId !== user.id), { userId: user.id, secret: box.seal(secret), confirmedAt: null, createdAt: stamp, lastStep: 0 }],
    }));
    const uri = totpUri(secret, user.username, this.deps.issuer());
    return { secret, uri, qrSvg: await qrSvg(uri) };
  }

  /** The pending enrolment's secret and URI (to show the page again), or null. */
  async pendingTotp(user: User): Promise<{ secret: string; uri: string; qrSvg: string } | null> {
    const entry = this.store.current.totp.find((t) => t.userId === user.id && t.confirmedAt === null);
    if (!entry) return null;
    const secret = this.requireBox().open(entry.secret);
    const uri = totpUri(secret, user.username, this.deps.issuer());
    return { secret, uri, qrSvg: await qrSvg(uri) };
  }

  /** Confirms enrolment with a current code; returns the recovery codes, shown once. */
  async confirmTotp(user: User, code: string, ctx: AuditContext): Promise<string[]> {
    const box = this.requireBox();
    if (await this.isLocked(user.id)) throw new MfaError('locked', 'Too many wrong codes. Try again in 15 minutes.');
    const noEnrolment = () => new MfaError('no_enrolment', 'Start the set-up again: no authenticator is waiting for confirmation.');
    const pending = this.store.current.totp.find((t) => t.userId === user.id && t.confirmedAt === null);
    if (!pending) throw noEnrolment();
    const step = await this.acceptCode(user.id, pending, box.open(pending.secret), code.trim());
    if (step !== null) {
      await this.store.update((doc) => {
        const entry = doc.totp.find((t) => t.userId === user.id && t.confirmedAt === null && t.secret.data === pending.secret.data);
        if (!entry) throw noEnrolment();
        return { ...doc, totp: doc.totp.map((t) => (t === entry ? { ...t, confirmedAt: new Date(this.deps.now()).toISOString(), lastStep: step } : t)) };
      });
    }
    if (step === null) {
      await this.recordFailure(user.id);
      await this.deps.audit.record({ event: 'mfa.totp.failure', actor: ctx.actor, target: user.username, ip: ctx.ip, outcome: 'failure', details: { during: 'enrolment' } });
      throw new MfaError('wrong_code', 'That code is not right. Check the time on your device and try the current code.');
    }
    await this.failures.forgive(user.id);
    await this.deps.audit.record({ event: 'mfa.totp.enrol', actor: ctx.actor, target: user.username, ip: ctx.ip });
    return this.regenerateRecoveryCodes(user, ctx);
  }

  /** Replaces the whole set of recovery codes; the new ones are returned once. */
  async regenerateRecoveryCodes(user: User, ctx: AuditContext): Promise<string[]> {
    const codes = newRecoveryCodes();
    const hashes = await Promise.all(codes.map(hashRecoveryCode));
    const stamp = new Date(this.deps.now()).toISOString();
    await this.store.update((doc) => ({ ...doc, recovery: [...doc.recovery.filter((r) => r.userId !== user.id), { userId: user.id, hashes, createdAt: stamp }] }));
    await this.deps.audit.record({ event: 'mfa.recovery.regenerate', actor: ctx.actor, target: user.username, ip: ctx.ip });
    return codes;
  }

  /**
   * Checks a second factor: a 6-digit TOTP code or a recovery code. Counts
   * failures toward the lockout; audits every outcome.
   */
  verifySecondFactor(user: User, input: string, ctx: AuditContext): Promise<SecondFactorResult> {
    // One attempt at a time per user: a burst of parallel guesses would otherwise all pass the
    // lock check before the first failure is counted, and get around the five-code cap.
    const previous = this.attempts.get(user.id) ?? Promise.resolve();
    const attempt = previous.then(() => this.verifyNow(user, input, ctx));
    const tail = attempt.then(
      () => undefined,
      () => undefined,
    );
    this.attempts.set(user.id, tail);
    void tail.then(() => {
      if (this.attempts.get(user.id) === tail) this.attempts.delete(user.id);
    });
    return attempt;
  }

  private async verifyNow(user: User, input: string, ctx: AuditContext): Promise<SecondFactorResult> {
    if (!this.hasSecondFactor(user.id) && this.status(user.id).recoveryCodesLeft === 0) return { ok: false, reason: 'not_enrolled' };
    if (await this.isLocked(user.id)) {
      await this.deps.audit.record({ event: 'mfa.failure', actor: ctx.actor, target: user.username, ip: ctx.ip, outcome: 'failure', details: { reason: 'locked' } });
      return { ok: false, reason: 'locked' };
    }
    const code = input.trim();
    const method = /^\d{6}$/.test(code) ? 'otp' : 'recovery';
    const ok = method === 'otp' ? await this.consumeTotp(user, code) : await this.consumeRecoveryCode(user, code);
    if (!ok) {
      const locked = await this.recordFailure(user.id);
      await this.deps.audit.record({ event: 'mfa.failure', actor: ctx.actor, target: user.username, ip: ctx.ip, outcome: 'failure', details: { method, locked } });
      return { ok: false, reason: locked ? 'locked' : 'invalid' };
    }
    await this.failures.forgive(user.id);
    await this.deps.audit.record({ event: method === 'otp' ? 'mfa.totp.success' : 'mfa.recovery.use', actor: ctx.actor, target: user.username, ip: ctx.ip, outcome: 'success' });
    return { ok: true, method };
  }

  /** Turns TOTP off after a current code proves the person holds it; recovery codes go with it. */
  async disableTotp(user: User, code: string, ctx: AuditContext): Promise<void> {
    // Only an authenticator code turns it off: a recovery code would be spent for nothing.
    if (!/^\d{6}$/.test(code.trim())) throw new MfaError('code_required', 'Enter a current code from your authenticator app to turn it off.');
    const result = await this.verifySecondFactor(user, code, ctx);
    if (!result.ok || result.method !== 'otp') throw new MfaError(result.ok ? 'code_required' : result.reason, result.ok || result.reason !== 'locked' ? 'Enter a current code from your authenticator app to turn it off.' : 'Too many wrong codes. Try again in 15 minutes.');
    await this.store.update((doc) => ({ ...doc, totp: doc.totp.filter((t) => t.userId !== user.id), recovery: doc.recovery.filter((r) => r.userId !== user.id) }));
    await this.deps.audit.record({ event: 'mfa.totp.disable', actor: ctx.actor, target: user.username, ip: ctx.ip });
  }

  /** Admin reset: TOTP, recovery codes and passkeys, all gone. */
  async reset(user: User, ctx: AuditContext): Promise<void> {
    await this.store.update((doc) => ({
      ...doc,
      totp: doc.totp.filter((t) => t.userId !== user.id),
      recovery: doc.recovery.filter((r) => r.userId !== user.id),
      passkeys: doc.passkeys.filter((p) => p.userId !== user.id),
    }));
    await this.failures.unlock([user.id]);
    await this.deps.audit.record({ event: 'mfa.reset', actor: ctx.actor, target: user.username, ip: ctx.ip });
  }

  /** Removes everything a deleted user left behind. */
  async forget(userId: string): Promise<void> {
    await this.store.update((doc) => ({
      ...doc,
      totp: doc.totp.filter((t) => t.userId !== userId),
      recovery: doc.recovery.filter((r) => r.userId !== userId),
      passkeys: doc.passkeys.filter((p) => p.userId !== userId),
    }));
  }

  private async consumeTotp(user: User, code: string): Promise<boolean> {
    const entry = this.store.current.totp.find((t) => t.userId === user.id && t.confirmedAt !== null);
    if (!entry) return false;
    const step = await this.acceptCode(user.id, entry, this.requireBox().open(entry.secret), code);
    if (step === null) return false;
    // The claim decided; the stored step only moves forward, so a restart still refuses this code.
    await this.store.update((doc) => ({ ...doc, totp: doc.totp.map((t) => (t.userId === user.id && t.confirmedAt !== null && t.lastStep < step ? { ...t, lastStep: step } : t)) }));
    return true;
  }

  /**
   * The step `code` matches, once: the step is claimed for as long as a code
   * of it could still be accepted (±1 step of drift), so a racing request
   * here or on another replica with the same code gets null. The claim names
   * the secret too: a new enrolment is a new series of codes.
   */
  private async acceptCode(userId: string, entry: TotpEntry, secret: string, code: string): Promise<number | null> {
    const step = await verifyTotp(secret, code, this.deps.now(), entry.lastStep);
    if (step === null) return null;
    const series = createHash('sha256').update(entry.secret.data).digest('base64url').slice(0, 16);
    return (await this.spent.claim(`totp:${userId}:${series}:${step}`, (step + 3) * TOTP_PERIOD_SECONDS * 1000)) ? step : null;
  }

  private async consumeRecoveryCode(user: User, code: string): Promise<boolean> {
    const entry = this.store.current.recovery.find((r) => r.userId === user.id);
    if (!entry) return false;
    const index = await findRecoveryCode(entry.hashes, code);
    if (index === -1) return false;
    const matched = entry.hashes[index]!;
    // Claimed first: of two uses of one code at once (on one replica or two), exactly one goes on.
    const id = createHash('sha256').update(matched).digest('base64url');
    if (!(await this.spent.claim(`recovery:${user.id}:${id}`, this.deps.now() + RECOVERY_CLAIM_MS))) return false;
    let consumed = false;
    // The hash must still be there at write time: a set replaced meanwhile loses. Decided afresh
    // on every run of the update (a shared store may run it again after a lost compare-and-set).
    await this.store.update((doc) => {
      consumed = false;
      return {
        ...doc,
        recovery: doc.recovery.map((r) => {
          if (r.userId !== user.id || !r.hashes.includes(matched)) return r;
          consumed = true;
          return { ...r, hashes: r.hashes.filter((h) => h !== matched) };
        }),
      };
    });
    return consumed;
  }

  /** Counts a wrong code; returns true when it (or an earlier one, on any replica) locked the user. */
  private async recordFailure(userId: string): Promise<boolean> {
    return (await this.failures.fail(userId, CODE_RULE)).lockedUntil > 0;
  }

  private requireBox(): SecretBox {
    if (!this.deps.box) throw new MfaError('no_secret', 'Two-factor authentication needs GATEHOUSE_SESSION_SECRET to be set (it protects TOTP secrets at rest).');
    return this.deps.box;
  }
}
