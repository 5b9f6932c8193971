import type { Logger } from 'pino';
import type { ConfigStore } from '../../config/config-store.js';
import type { SessionManager } from './session-manager.js';

/**
 * Sessions end with the credential that created them: every token-mode
 * session when the instance token is rotated, and every session of a mode
 * that is switched away from (so switching back later does not revive them).
 */
export function endSessionsOnConfigChange(config: ConfigStore, sessions: SessionManager, log: Logger): void {
  config.on('change', (next, previous) => {
    const tokenRotated = previous.token?.hash !== next.token?.hash;
    const modeChanged = previous.mode !== next.mode;
    if (!tokenRotated && !modeChanged) return;
    sessions
      .revokeWhere((s) => (modeChanged && s.mode === previous.mode) || (tokenRotated && s.mode === 'token'))
      .then(
        (count) => count > 0 && log.info({ count, modeChanged, tokenRotated }, 'sessions ended after a mode switch or token rotation'),
        (error) => log.error({ err: error }, 'could not end sessions after a config change'),
      );
  });
}
