import type { Logger } from 'pino';
import type { WatchedDocument } from '../../config/watched-document.js';

/**
 * Says so in the log when someone else's edit of a document (a hand edit of
 * the file, a value written into Redis by hand) is refused and the last good
 * one kept. Config and users log their own refusals; this covers the rest.
 */
export function logRefusedEdits(log: Logger, what: string, doc: WatchedDocument<unknown>): void {
  doc.on('invalid', (error) => log.error({ file: error.file, problems: error.problems }, `refused an invalid edit of ${error.file}; keeping the last good ${what}`));
}
