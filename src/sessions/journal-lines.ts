import { createReadStream } from 'node:fs';

/** One line of a JSON-lines file, with where it ends, so a torn tail can be cut off exactly. */
export interface JournalLine {
  readonly text: string;
  /** 1-based, as an editor shows it. */
  readonly number: number;
  /** Byte offset just past the line (and its newline, when it has one). */
  readonly end: number;
  /** False for a last line that never got its newline: a write cut short. */
  readonly terminated: boolean;
}

const NEWLINE = 0x0a;

/**
 * The lines of `file`, streamed in chunks: a 100 MB journal is never one
 * string in memory. Empty lines are skipped. Yields nothing for a missing file.
 */
export async function* journalLines(file: string): AsyncGenerator<JournalLine> {
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  let carry: Buffer | undefined;
  let offset = 0; // bytes consumed before `carry`
  let number = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let nl = buffer.indexOf(NEWLINE, start); nl !== -1; nl = buffer.indexOf(NEWLINE, start)) {
        number++;
        if (nl > start) yield { text: buffer.toString('utf8', start, nl), number, end: offset + nl + 1, terminated: true };
        start = nl + 1;
      }
      offset += start;
      carry = start < buffer.length ? buffer.subarray(start) : undefined;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (carry && carry.length > 0) yield { text: carry.toString('utf8'), number: number + 1, end: offset + carry.length, terminated: false };
}
