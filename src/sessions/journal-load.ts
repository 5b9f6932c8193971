import { InvalidDocumentError } from '../../config/document-store.js';
import { BadEntryError, decodeEntry, type JournalEntry } from './journal-codec.js';
import { journalLines } from './journal-lines.js';
import type { SessionInterner } from './session-interner.js';
import type { SessionRecord } from './session-record.js';

export interface LoadedJournal {
  /** Bytes of the journal that hold whole, valid records: a torn tail is cut back to this. */
  readonly validBytes: number;
  /** About how large the journal would be rewritten with only the live sessions. */
  readonly liveBytes: number;
  /** The last record, when it was cut short by a crash and dropped. */
  readonly torn?: { readonly line: number; readonly reason: string };
}

function apply(entry: JournalEntry, sessions: Map<string, SessionRecord>, interner: SessionInterner): void {
  switch (entry.kind) {
    case 'put':
      sessions.set(entry.record.id, interner.record(entry.record));
      return;
    case 'del':
      for (const id of entry.ids) sessions.delete(id);
      return;
    case 'seen':
      for (const id in entry.at) {
        const record = sessions.get(id);
        if (record) record.lastSeenAt = entry.at[id]!;
      }
      return;
    case 'header':
      return;
  }
}

/**
 * Replays a sessions journal into `sessions`, streaming it line by line, and
 * keeps the sessions still live at `now`. A last line that is cut short or
 * unreadable is what a crash mid-write leaves: it is dropped and reported. A
 * bad line with records after it is damage, not a crash: loading refuses
 * with the file and the line rather than guess which sign-ins are real.
 */
export async function loadJournal(file: string, now: number, interner: SessionInterner, sessions: Map<string, SessionRecord>): Promise<LoadedJournal> {
  let validBytes = 0;
  let bad: { line: number; reason: string } | undefined;
  let putBytes = 0;
  let puts = 0;
  for await (const line of journalLines(file)) {
    if (bad) {
      throw new InvalidDocumentError(file, [
        `line ${bad.line}: ${bad.reason}, and records follow it, so this is damage rather than a write cut short by a crash. Restore the file from a backup, or delete it to sign everyone out`,
      ]);
    }
    if (!line.terminated) {
      bad = { line: line.number, reason: 'cut short (no end of line)' };
      continue;
    }
    let entry: JournalEntry;
    try {
      entry = decodeEntry(line.text);
    } catch (error) {
      if (!(error instanceof BadEntryError)) throw error;
      bad = { line: line.number, reason: error.message };
      continue;
    }
    apply(entry, sessions, interner);
    if (entry.kind === 'put') {
      putBytes += line.text.length + 1;
      puts++;
    }
    validBytes = line.end;
  }
  for (const [id, record] of sessions) if (record.expiresAt <= now) sessions.delete(id);
  const liveBytes = puts === 0 ? 0 : Math.round((putBytes / puts) * sessions.size);
  return bad ? { validBytes, liveBytes, torn: bad } : { validBytes, liveBytes };
}
