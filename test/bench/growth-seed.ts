import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { sha256Hex } from '../../src/crypto/constant-time.js';
import { encodeHeader, encodePut } from '../../src/sessions/journal-codec.js';
import { SESSIONS_JOURNAL } from '../../src/sessions/file-session-store.js';
import { sessionRecord, userPrincipal } from '../support/session-records.js';

/** Users the seeded sessions belong to: a small company's worth, each with many sessions. */
const SEEDED_USERS = 1_000;

export interface GrowthDataDir {
  readonly dataDir: string;
  /** The instance token that signs in through POST /login. */
  readonly token: string;
}

/**
 * `count` live sessions written straight into the sessions journal, in the
 * journal's own format: far faster than `count` logins, and the same file a
 * server that had seen those logins would boot from. Each session has its
 * own id, secret hash and client address; 1,000 users share them.
 */
async function seedJournal(file: string, count: number, now: number): Promise<void> {
  const out = createWriteStream(file, { mode: 0o600 });
  out.write(encodeHeader());
  for (let n = 0; n < count; n++) {
    const record = sessionRecord(n, now, {
      principal: userPrincipal(`user${n % SEEDED_USERS}`),
      ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      lastSeenAt: now - (n % 3_600) * 1_000,
    });
    if (!out.write(encodePut(record))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** A token-mode data dir with `sessions` live sessions and `rules` access rules, one of them for `host`. */
export async function writeGrowthDataDir(opts: { sessions: number; rules: number; host: string; domain: string }): Promise<GrowthDataDir> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-growth-'));
  const token = randomBytes(32).toString('base64url');
  // Rules for other apps first and the measured host's last: a linear scan would pay for all of them.
  const rules = Array.from({ length: Math.max(0, opts.rules - 1) }, (_, i) => ({ domain: `app${i}.${opts.domain}`, policy: i % 2 ? 'two_factor' : 'one_factor' }));
  if (opts.rules > 0) rules.push({ domain: opts.host, policy: 'one_factor' });
  const config = { version: 1, mode: 'token', domains: [opts.domain], token: { hash: sha256Hex(token) }, rules };
  await writeFile(join(dataDir, 'config.json'), JSON.stringify(config, null, 2));
  if (opts.sessions > 0) await seedJournal(join(dataDir, SESSIONS_JOURNAL), opts.sessions, Date.now());
  return { dataDir, token };
}
