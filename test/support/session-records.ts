import { createHash } from 'node:crypto';
import type { SessionRecord } from '../../src/sessions/session-record.js';
import type { Principal } from '../../strategies/types.js';

const HOUR = 3_600_000;

/** A user principal as userPassword mode builds it. */
export function userPrincipal(username: string): Principal {
  return { id: username, username, role: 'viewer', groups: ['viewer'], amr: ['pwd'], acr: 'aal1' };
}

/** A 22-character session id, distinct for every `n` (and `tag`). */
export function sessionId(n: number, tag = 's'): string {
  return createHash('sha256').update(`${tag}:${n}`).digest('base64url').slice(0, 22);
}

/** A valid live session record, the n-th of a seeded store; sessions of one user share `username`. */
export function sessionRecord(n: number, now: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: sessionId(n),
    secretHash: createHash('sha256').update(`secret:${n}`).digest('hex'),
    mode: 'userPassword',
    principal: userPrincipal(`user${n % 50}`),
    amr: ['pwd'],
    acr: 'aal1',
    mfaAt: null,
    createdAt: now,
    expiresAt: now + 24 * HOUR,
    lastSeenAt: now,
    ip: `198.51.100.${n % 250}`,
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 #${n % 7}`,
    ...overrides,
  };
}
