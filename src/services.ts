import type { Logger } from 'pino';
import type { RedisConnection } from './backend/redis-connection.js';
import type { ConfigStore } from '../config/config-store.js';
import { parseDuration } from '../config/duration.js';
import { UsersStore } from '../config/users-store.js';
import type { BansStore } from '../config/bans-store.js';
import { ephemeralBackend, type EphemeralBackend } from './backend/ephemeral-backend.js';
import { createRegulation } from './security/create-regulation.js';
import type { Regulation } from './security/regulation-backend.js';
import { usernameKey } from './users/username.js';
import { AuditLog } from './audit/audit-log.js';
import { RedisAuditLog } from './audit/redis-audit-log.js';
import { ipKey } from './security/regulation.js';
import type { SessionManager } from './sessions/session-manager.js';
import { WorkerPasswordHasher, type PasswordHasher } from './users/password-hasher.js';
import { UserService } from './users/user-service.js';
import { watchUserChanges } from './users/user-sessions.js';
import type { StrategyServices } from '../strategies/types.js';
import { CredentialsStore } from '../config/credentials-store.js';
import { SecretBox } from './crypto/secret-box.js';
import { MfaService } from './mfa/mfa-service.js';
import { endSessionsOnMfaRemoval } from './mfa/mfa-sessions.js';
import { PasskeyService } from './passkeys/passkey-service.js';
import { TokensStore } from '../config/tokens-store.js';
import { TokenService } from './tokens/token-service.js';
import { logRefusedEdits } from './backend/refused-edits.js';

export interface AccountServices {
  readonly usersStore: UsersStore;
  /** bans.json; null with Redis, where bans live beside the counters. */
  readonly bansStore: BansStore | null;
  /** Lifts a ban on a username or an IP, on every replica and in the store. */
  liftBan(subject: string): Promise<boolean>;
  readonly users: UserService;
  readonly audit: AuditLog;
  readonly regulator: Regulation;
  /** Single-use values and failure counters, in memory or shared through Redis. */
  readonly ephemeral: EphemeralBackend;
  readonly hasher: PasswordHasher;
  readonly credentialsStore: CredentialsStore;
  readonly mfa: MfaService;
  readonly passkeys: PasskeyService;
  readonly tokensStore: TokensStore;
  readonly tokens: TokenService;
  readonly strategyServices: StrategyServices;
  close(): Promise<void>;
}

/**
 * Local accounts and everything around them (hashing workers, regulation,
 * audit), wired once for the server. The CLI builds the same pieces without
 * regulation or session hooks.
 */
export async function createAccountServices(opts: {
  dataDir: string;
  /** The shared backend when GATEHOUSE_REDIS_URL is set; state then lives there instead of the data dir. */
  redis?: RedisConnection | undefined;
  config: ConfigStore;
  sessions: SessionManager;
  log: Logger;
  now: () => number;
  /** GATEHOUSE_SESSION_SECRET: the key material for secrets at rest. */
  sessionSecret: string | undefined;
  /** The portal's host, used as the issuer name authenticator apps show. */
  issuer: () => string;
  hasher?: PasswordHasher;
}): Promise<AccountServices> {
  // Every document follows the config's backend, chosen once at boot (files, or Redis).
  const documents = opts.config.documents;
  const usersStore = new UsersStore(documents);
  await usersStore.open();
  // Every replica's events in one Redis stream, or audit.log in the data dir (rotated by the server; the CLI's few events only append).
  const redis = opts.redis;
  const audit = redis ? new RedisAuditLog(() => redis, opts.now) : new AuditLog(opts.dataDir, opts.now, () => opts.config.current.audit);
  const regulation = () => {
    const r = opts.config.current.security.regulation;
    return { maxRetries: r.maxRetries, findTimeMs: parseDuration(r.findTime), banTimeMs: parseDuration(r.banTime) };
  };
  const ephemeral = ephemeralBackend(opts.redis, opts.now);
  const { regulation: regulator, bansStore } = await createRegulation({ dataDir: opts.dataDir, redis: opts.redis, backend: ephemeral, settings: regulation, now: opts.now, log: opts.log });
  // Writes started in the background (bans, a deleted user's clean-up); close() waits for them.
  const background = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    background.add(work);
    work.then(() => background.delete(work), () => background.delete(work));
    return work;
  };
  const hasher = opts.hasher ?? new WorkerPasswordHasher();
  const users = new UserService(usersStore, {
    hasher,
    audit,
    regulator,
    bcryptCost: () => opts.config.current.security.bcryptCost,
    now: opts.now,
  });
  const credentialsStore = new CredentialsStore(documents);
  await credentialsStore.open();
  const box = opts.sessionSecret ? new SecretBox(opts.sessionSecret, 'gatehouse totp secret v1') : null;
  const mfa = new MfaService(credentialsStore, { box, audit, now: opts.now, issuer: opts.issuer, ephemeral });
  endSessionsOnMfaRemoval(credentialsStore, opts.sessions, opts.log);
  const passkeys = new PasskeyService(credentialsStore, { audit, now: opts.now });
  // A Basic pair cached as good must be judged again once its user gains a second factor.
  let credentialsGeneration = 0;
  credentialsStore.on('change', () => {
    credentialsGeneration += 1;
  });
  const tokensStore = new TokensStore(documents);
  await tokensStore.open();
  logRefusedEdits(opts.log, 'second factors', credentialsStore);
  logRefusedEdits(opts.log, 'API tokens', tokensStore);
  const tokens = new TokenService(tokensStore, { audit, now: opts.now, findUser: (id) => users.findById(id) });
  const usersGeneration = watchUserChanges(usersStore, opts.sessions, opts.log, (userId) =>
    track(
      (async () => {
        await mfa.forget(userId);
        await tokens.revokeAllFor(userId);
      })(),
    ),
  );
  return {
    usersStore,
    bansStore,
    liftBan: (subject) => regulator.lift([...new Set([subject, usernameKey(subject), ipKey(subject)])]),
    credentialsStore,
    mfa,
    passkeys,
    tokensStore,
    tokens,
    users,
    audit,
    regulator,
    ephemeral,
    hasher,
    strategyServices: {
      // Basic credentials are one factor: an account with a second factor must use an API token.
      checkPassword: async (username, password, ip) => {
        const result = await users.checkPassword(username, password, ip);
        return result.ok && mfa.hasSecondFactor(result.principal.id.slice('local:'.length)) ? { ok: false, reason: 'invalid' } : result;
      },
      usersGeneration: () => usersGeneration() + credentialsGeneration,
      isBanned: (username, ip) => users.isBanned(username, ip),
      checkApiToken: (token, host) => tokens.verify(token, host),
    },
    async close() {
      await Promise.allSettled([...background]);
      await regulator.close();
      usersStore.close();
      bansStore?.close();
      credentialsStore.close();
      tokensStore.close();
      await hasher.close();
    },
  };
}
