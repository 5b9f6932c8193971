import type { Logger } from 'pino';
import type { ConfigStore } from '../config/config-store.js';
import type { Random } from './crypto/random.js';
import type { DecideContext } from './authz/decide.js';
import type { Target } from './authz/target.js';
import type { EnvSettings } from './env.js';
import type { Runtime } from './runtime.js';
import type { SessionManager } from './sessions/session-manager.js';
import type { CsrfGuard } from './http/csrf.js';
import type { AuditLog } from './audit/audit-log.js';
import type { Regulation } from './security/regulation-backend.js';
import { ephemeralBackend, type EphemeralBackend } from './backend/ephemeral-backend.js';
import type { UserService } from './users/user-service.js';
import type { MfaService } from './mfa/mfa-service.js';
import type { PasskeyService } from './passkeys/passkey-service.js';
import type { TokenService } from './tokens/token-service.js';
import { OidcService } from './oidc/oidc-service.js';
import type { ModeSwitcher } from './admin/mode-switcher.js';
import type { OidcReadiness } from './admin/oidc-readiness.js';
import { Metrics } from './metrics/metrics.js';
import { StoreHealth } from './backend/store-health.js';

/** Injected dependencies: tests pass their own clock, randomness and stores. */
export interface AppDeps {
  readonly config: ConfigStore;
  readonly env: EnvSettings;
  readonly sessions: SessionManager;
  readonly log: Logger;
  readonly now: () => number;
  readonly random: Random;
  readonly csrf: CsrfGuard;
  readonly users: UserService;
  readonly audit: AuditLog;
  readonly regulator: Regulation;
  /** Lifts a ban on a username or an IP, on every replica and in the store. */
  readonly liftBan: (subject: string) => Promise<boolean>;
  readonly mfa: MfaService;
  readonly passkeys: PasskeyService;
  readonly tokens: TokenService;
  /** The current runtime; swapped whole on every config change. */
  readonly runtime: () => Runtime;
  readonly modeSwitcher: ModeSwitcher;
  readonly oidcReadiness: OidcReadiness;
  /** Single-use values (OIDC states, WebAuthn challenges): shared through Redis with several replicas; in memory when not given. */
  readonly ephemeral?: EphemeralBackend;
  /** The state store's health: outage grace for checks, /api/health, /metrics (default: the embedded store, always up). */
  readonly storeHealth?: StoreHealth;
  /** OIDC provider connection and flow state; built from the other deps when not given. */
  readonly oidc?: OidcService;
}

export interface AppContext extends AppDeps {
  readonly oidc: OidcService;
  readonly ephemeral: EphemeralBackend;
  readonly metrics: Metrics;
  readonly storeHealth: StoreHealth;
  decideContext(rt: Runtime): DecideContext;
}

const ADMIN_PATHS = ['/api/admin', '/settings'];

export function createAppContext(deps: AppDeps): AppContext {
  const cache = new WeakMap<Runtime, DecideContext>();
  const metrics = new Metrics();
  deps.audit.onRecord((event) => metrics.countAuditEvent(event.event));
  const ephemeral = deps.ephemeral ?? ephemeralBackend(undefined, deps.now);
  return {
    ...deps,
    metrics,
    ephemeral,
    storeHealth: deps.storeHealth ?? new StoreHealth(undefined, { log: deps.log, now: deps.now }),
    oidc:
      deps.oidc ??
      new OidcService({
        log: deps.log,
        now: deps.now,
        random: deps.random,
        sessionSecret: deps.env.sessionSecret,
        onDiscovered: (issuer) => deps.oidcReadiness.markDiscovered(issuer),
        usedStates: ephemeral.oneTime('oidc'),
      }),
    decideContext(rt) {
      let ctx = cache.get(rt);
      if (!ctx) {
        const portalHost = rt.portal.hostname;
        ctx = {
          policy: rt.policy,
          isAdminRoute: (target: Target) =>
            target.host === portalHost && ADMIN_PATHS.some((p) => target.path === p || target.path.startsWith(`${p}/`)),
        };
        cache.set(rt, ctx);
      }
      return ctx;
    },
  };
}
