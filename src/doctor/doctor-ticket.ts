import { randomBytes } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readTextIfExists, writeFileAtomic } from '../../config/atomic-file.js';
import { constantTimeEqualHex, sha256Hex } from '../crypto/constant-time.js';

/** The header `gatehouse doctor` sends its ticket in. */
export const DOCTOR_TICKET_HEADER = 'x-gatehouse-doctor-ticket';
const TICKET_TTL_MS = 60_000;
const TICKET = /^([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

const ticketFile = (dataDir: string, id: string) => join(dataDir, `doctor-${id}.ticket`);

/**
 * A short-lived ticket that lets the local CLI read the doctor's report without a
 * password: whoever can write the data dir is an administrator anyway. The data dir
 * keeps only the ticket's hash, for a minute; the CLI deletes it when done.
 */
export async function mintDoctorTicket(dataDir: string, now = Date.now()): Promise<{ ticket: string; revoke(): Promise<void> }> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const file = ticketFile(dataDir, id);
  await writeFileAtomic(file, JSON.stringify({ hash: sha256Hex(secret), expiresAt: now + TICKET_TTL_MS }));
  return { ticket: `${id}.${secret}`, revoke: () => unlink(file).catch(() => undefined) };
}

/** True when `presented` is a ticket minted in `dataDir` that has not expired. */
export async function verifyDoctorTicket(dataDir: string, presented: unknown, now: number): Promise<boolean> {
  if (typeof presented !== 'string') return false;
  const match = TICKET.exec(presented);
  if (!match) return false;
  const text = await readTextIfExists(ticketFile(dataDir, match[1]!));
  if (text === null) return false;
  try {
    const { hash, expiresAt } = JSON.parse(text) as { hash?: unknown; expiresAt?: unknown };
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash) || typeof expiresAt !== 'number' || expiresAt <= now) return false;
    return constantTimeEqualHex(hash, sha256Hex(match[2]!));
  } catch {
    return false;
  }
}
