/**
 * Child process for the journal crash test: signs sessions in and out of a
 * real FileSessionStore as fast as it can, compacting every so often, until
 * the test SIGKILLs it.
 *
 *   node --import tsx test/support/crash-journal-writer.ts <dataDir> <tag>
 *
 * `tag` makes this run's session ids differ from earlier runs' on the same dir.
 *
 * Prints `put <id>` once a session is on disk and `del <id>` once its
 * revocation is (and `deleting <id>` before it starts), so the parent knows
 * what a restart must still show.
 */
import { FileSessionStore } from '../../src/sessions/file-session-store.js';
import { sessionId, sessionRecord } from './session-records.js';

const [dataDir, tag] = process.argv.slice(2);
if (!dataDir || !tag) {
  process.stderr.write('usage: crash-journal-writer.ts <dataDir> <tag>\n');
  process.exit(2);
}

const now = Date.now();
const store = new FileSessionStore(dataDir, () => now, 0);
await store.load();
let n = 0;
for (;;) {
  // Several changes in flight at once, as concurrent logins are: they share a write.
  const batch = Array.from({ length: 8 }, () => sessionRecord(n, now, { id: sessionId(n++, tag), userAgent: 'x'.repeat(200) }));
  const puts = batch.map((record) => store.put(record).then(() => process.stdout.write(`put ${record.id}\n`)));
  const victim = batch[3]!.id;
  await Promise.all(puts);
  process.stdout.write(`deleting ${victim}\n`);
  await store.delete([victim]);
  process.stdout.write(`del ${victim}\n`);
  store.touch(batch[0]!.id, now + n);
  if (n % 400 < 8) void store.compact();
  else if (n % 48 < 8) await store.flush();
}
