import { readFile } from 'node:fs/promises';
import { InvalidDocumentError } from '../../config/document-store.js';
import { SessionRecordSchema } from './journal-codec.js';
import type { SessionRecord } from './session-record.js';

/**
 * The sessions of a `sessions.json` written before the journal: one document,
 * `{"version":1,"sessions":[…]}`. Read once, at the first start with the
 * journal, and then removed; an unreadable one refuses to start like any
 * damaged data file, rather than silently signing everyone out.
 */
export async function readLegacySessions(file: string): Promise<SessionRecord[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw new InvalidDocumentError(file, ['(root): not valid JSON; fix it, or delete it to sign everyone out']);
    throw error;
  }
  const list = (raw as { sessions?: unknown } | null)?.sessions;
  if (!Array.isArray(list)) throw new InvalidDocumentError(file, ['sessions: expected an array of sessions']);
  return list.map((item, i) => {
    const parsed = SessionRecordSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InvalidDocumentError(file, [`sessions[${i}]${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`]);
    }
    return parsed.data as SessionRecord;
  });
}
