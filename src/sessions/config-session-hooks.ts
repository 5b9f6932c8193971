import type { Logger } from 'pino';
import type { ConfigStore } from '../../config/config-store.js';
import type { Config, OAuth2Config } from '../../config/schema.js';
import { ROLE_RANK } from '../../strategies/types.js';
import type { SessionManager } from './session-manager.js';

/** `deny` ranks below every role. */
const fallbackRank = (role: OAuth2Config['fallbackRole']): number => (role === 'deny' ? -1 : ROLE_RANK[role]);

/**
 * True when OIDC sessions made under `previous` could hold more than `next` would give:
 * another provider or client, another group claim, a group value taken off the admin or
 * editor list, or a lower fallback role. Widening (a new admin group) ends nothing.
 */
function oidcNarrowed(previous: Config, next: Config): boolean {
  const before = previous.oauth2;
  const after = next.oauth2;
  if (!before) return false;
  if (!after) return true;
  const dropped = (was: readonly string[], now: readonly string[]) => was.some((value) => !now.includes(value));
  return (
    before.issuerUrl !== after.issuerUrl ||
    before.clientId !== after.clientId ||
    before.adminGroupClaim !== after.adminGroupClaim ||
    dropped(before.adminGroupValues, after.adminGroupValues) ||
    dropped(before.editorGroupValues, after.editorGroupValues) ||
    fallbackRank(after.fallbackRole) < fallbackRank(before.fallbackRole)
  );
}

/**
 * Sessions end with the credential that created them: every token-mode
 * session when the instance token is rotated, every session of a mode that
 * is switched away from (so switching back later does not revive them), and
 * every OIDC session when the provider changes or the group → role mapping
 * narrows (a demoted group must not keep its old role until the session expires), and
 * every break-glass session when `allowLocalAdmins` is turned off.
 */
export function endSessionsOnConfigChange(config: ConfigStore, sessions: SessionManager, log: Logger): void {
  config.on('change', (next, previous) => {
    const tokenRotated = previous.token?.hash !== next.token?.hash;
    const modeChanged = previous.mode !== next.mode;
    const oidcRemapped = oidcNarrowed(previous, next);
    // Break-glass sign-ins (local admins in oauth2 mode) end when break-glass is turned off.
    const breakGlassClosed = previous.oauth2?.allowLocalAdmins === true && next.oauth2?.allowLocalAdmins !== true;
    if (!tokenRotated && !modeChanged && !oidcRemapped && !breakGlassClosed) return;
    sessions
      .revokeWhere(
        (s) =>
          (modeChanged && s.mode === previous.mode) ||
          (tokenRotated && s.mode === 'token') ||
          (oidcRemapped && s.principal.id.startsWith('oidc:')) ||
          (breakGlassClosed && s.mode === 'oauth2' && s.principal.id.startsWith('local:')),
      )
      .then(
        (count) => count > 0 && log.info({ count, modeChanged, tokenRotated, oidcRemapped, breakGlassClosed }, 'sessions ended after a mode switch, token rotation or OIDC settings change'),
        (error) => log.error({ err: error }, 'could not end sessions after a config change'),
      );
  });
}
