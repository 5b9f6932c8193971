import type { Logger } from 'pino';
import type { CredentialsStore } from '../../config/credentials-store.js';
import type { CredentialsFile } from '../../config/mfa-schema.js';
import type { SessionManager } from '../sessions/session-manager.js';

function enrolledUsers(doc: CredentialsFile): Set<string> {
  const ids = new Set(doc.totp.filter((t) => t.confirmedAt !== null).map((t) => t.userId));
  for (const p of doc.passkeys) ids.add(p.userId);
  return ids;
}

/**
 * When a user's second factors are wiped (an admin's reset, from the API or
 * the CLI, or the user turning 2FA off), their sessions end: a session that
 * was vouched for by a factor that no longer exists is not kept.
 */
export function endSessionsOnMfaRemoval(store: CredentialsStore, sessions: SessionManager, log: Logger): void {
  store.on('change', (doc, previous) => {
    const now = enrolledUsers(doc);
    for (const userId of enrolledUsers(previous)) {
      if (now.has(userId)) continue;
      sessions
        .revokeWhere((s) => s.principal.id === `local:${userId}`)
        .then(
          (count) => count > 0 && log.info({ count }, 'sessions ended after second factors were removed'),
          (error) => log.error({ err: error }, 'could not end sessions after second factors were removed'),
        );
    }
  });
}
