/**
 * A grown instance for `BENCH_E2E_GROWTH=1`: many live sessions and many access rules, written
 * into the data dir before Gatehouse boots (the embedded store loads sessions.json at start).
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuthMode } from '../../../strategies/types.js';
import type { SessionRecord } from '../../../src/sessions/session-record.js';

export const GROWTH_SESSIONS = 10_000;
export const GROWTH_RULES = 1_000;

/** `count` live sessions of other people, as the embedded store writes them. */
export async function seedSessions(dataDir: string, mode: AuthMode, count: number, now = Date.now()): Promise<void> {
  const sessions: SessionRecord[] = [];
  for (let i = 0; i < count; i++) {
    const username = `user${i}`;
    sessions.push({
      id: randomBytes(16).toString('base64url'),
      secretHash: createHash('sha256').update(randomBytes(32)).digest('hex'),
      mode,
      principal: { id: username, username, role: 'viewer', groups: [`team${i % 50}`], email: `${username}@example.com`, amr: ['pwd'], acr: 'aal1' },
      amr: ['pwd'],
      acr: 'aal1',
      mfaAt: null,
      createdAt: now,
      expiresAt: now + 12 * 3_600_000,
      lastSeenAt: now,
      ip: `198.51.100.${i % 250}`,
      userAgent: 'bench',
    });
  }
  await writeFile(join(dataDir, 'sessions.json'), JSON.stringify({ version: 1, sessions }));
}

/**
 * `count` rules, all but the last for other hosts, so a check of `appHost` is judged after
 * every rule has been weighed once (rules are kept per host after the first request).
 */
export function growthRules(count: number, appHost: string): object[] {
  const rules: object[] = [];
  for (let i = 0; i < count - 1; i++) {
    rules.push(i % 2 === 0
      ? { name: `service ${i}`, domain: `svc${i}.example.com`, path: ['/api', '^/v[0-9]+/'], policy: 'one_factor', subject: [`group:team${i % 50}`] }
      : { name: `public ${i}`, domain: `*.zone${i}.example.com`, path: '/public', methods: ['GET'], policy: 'bypass' });
  }
  rules.push({ name: 'the measured app', domain: appHost, policy: 'one_factor' });
  return rules;
}
