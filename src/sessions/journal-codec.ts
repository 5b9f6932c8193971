import { z } from 'zod';
import { AUTH_MODES, ROLES } from '../../strategies/types.js';
import type { SessionRecord } from './session-record.js';

/** The first line of every sessions journal: says what the file is, and which layout follows. */
export const JOURNAL_HEADER = { journal: 'gatehouse-sessions', version: 1 } as const;

const Epoch = z.number().int().nonnegative();
const Acr = z.enum(['aal1', 'aal2']);

const PrincipalSchema = z.object({
  id: z.string().min(1),
  username: z.string().min(1),
  role: z.enum(ROLES),
  groups: z.array(z.string()),
  email: z.string().optional(),
  name: z.string().optional(),
  amr: z.array(z.string()),
  acr: Acr,
});

export const SessionRecordSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  secretHash: z.string().regex(/^[0-9a-f]{64}$/),
  mode: z.enum(AUTH_MODES),
  principal: PrincipalSchema,
  amr: z.array(z.string()),
  acr: Acr,
  mfaAt: Epoch.nullable(),
  createdAt: Epoch,
  expiresAt: Epoch,
  lastSeenAt: Epoch,
  ip: z.string(),
  userAgent: z.string(),
  pending: z.enum(['second_factor', 'enrolment', 'password_change']).optional(),
});

/** One change, as one journal line. `seen` batches last-seen times: one line per flush, not per session. */
export type JournalEntry =
  | { readonly kind: 'header' }
  | { readonly kind: 'put'; readonly record: SessionRecord }
  | { readonly kind: 'del'; readonly ids: readonly string[] }
  | { readonly kind: 'seen'; readonly at: Readonly<Record<string, number>> };

const EntrySchema = z.union([
  z.strictObject({ journal: z.literal(JOURNAL_HEADER.journal), version: z.literal(JOURNAL_HEADER.version) }),
  z.strictObject({ put: SessionRecordSchema }),
  z.strictObject({ del: z.array(z.string()) }),
  z.strictObject({ seen: z.record(z.string(), Epoch) }),
]);

export function encodeHeader(): string {
  return `${JSON.stringify(JOURNAL_HEADER)}\n`;
}

export function encodePut(record: SessionRecord): string {
  return `{"put":${JSON.stringify(record)}}\n`;
}

export function encodeDelete(ids: readonly string[]): string {
  return `${JSON.stringify({ del: ids })}\n`;
}

/** `{"seen":{id: at, …}}`, built as text: an object with a thousand session ids for keys is slow to make. */
export function encodeSeen(entries: ReadonlyArray<readonly [id: string, at: number]>): string {
  return `{"seen":{${entries.map(([id, at]) => `${JSON.stringify(id)}:${Math.trunc(at)}`).join(',')}}}\n`;
}

/** A line that is not a journal entry. The message names what is wrong, never the line's content (it holds secret hashes). */
export class BadEntryError extends Error {}

/** Parses and validates one journal line. Throws BadEntryError. */
export function decodeEntry(text: string): JournalEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // V8's message quotes the text around the fault, which may be a secret hash: say only what is wrong.
    throw new BadEntryError('not valid JSON');
  }
  const parsed = EntrySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BadEntryError(`not a session journal entry (${issue.path.join('.') || '(root)'}: ${issue.message})`);
  }
  const entry = parsed.data;
  if ('journal' in entry) return { kind: 'header' };
  if ('put' in entry) return { kind: 'put', record: entry.put as SessionRecord };
  if ('del' in entry) return { kind: 'del', ids: entry.del };
  return { kind: 'seen', at: entry.seen };
}
