import type { Logger } from 'pino';
import type { UsersStore } from '../../config/users-store.js';
import type { User } from '../../config/users-schema.js';
import type { SessionManager } from '../sessions/session-manager.js';

/** True when a change to a user must end their sessions. */
function invalidates(before: User, after: User | undefined): boolean {
  return (
    after === undefined ||
    after.role !== before.role ||
    after.disabled !== before.disabled ||
    after.passwordHash !== before.passwordHash ||
    after.id !== before.id
  );
}

/**
 * Ends a user's sessions when their password, role or status changes or they
 * are deleted, whether the change came from this server or from the CLI
 * editing users.json. Also bumps the generation that expires cached Basic
 * verifications. Returns the generation counter.
 */
export function watchUserChanges(users: UsersStore, sessions: SessionManager, log: Logger, onDeleted: (userId: string) => Promise<void>): () => number {
  let generation = 0;
  users.on('change', (doc, previous) => {
    generation += 1;
    const byId = new Map(doc.users.map((u) => [u.id, u]));
    for (const before of previous.users) {
      if (!invalidates(before, byId.get(before.id))) continue;
      if (!byId.has(before.id)) onDeleted(before.id).catch((error) => log.error({ err: error }, 'could not remove a deleted user\'s second factors'));
      const principalId = `local:${before.id}`;
      sessions
        .revokeWhere((s) => s.principal.id === principalId)
        .then(
          (count) => count > 0 && log.info({ user: before.username, count }, 'sessions ended after an account change'),
          (error) => log.error({ err: error }, 'could not end sessions after an account change'),
        );
    }
  });
  users.on('invalid', (error) => log.error({ file: error.file, problems: error.problems }, `refused an invalid edit of ${error.file}; keeping the last good users`));
  return () => generation;
}
