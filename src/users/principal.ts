import type { User } from '../../config/users-schema.js';
import type { Principal } from '../../strategies/types.js';

/** The principal a local user signs in as. The role is also their group, so rules and upstreams see it. */
export function userPrincipal(user: User, amr: readonly string[] = ['pwd'], acr: Principal['acr'] = 'aal1'): Principal {
  return Object.freeze({
    id: `local:${user.id}`,
    username: user.username,
    role: user.role,
    groups: Object.freeze([user.role]),
    email: user.email || undefined,
    name: user.displayName || undefined,
    amr: Object.freeze([...amr]),
    acr,
  });
}
