import { open } from 'node:fs/promises';

const NEWLINE = 0x0a;
const CHUNK_BYTES = 64 * 1024;
/** An audit line is a few hundred bytes; anything this long is damage, skipped rather than held in memory. */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * The lines of `file` from the last to the first, read in chunks from the
 * end: the newest events of a large log cost what they weigh, not what the
 * whole file weighs. Yields nothing for a missing file; empty lines are skipped.
 */
export async function* linesBackwards(file: string): AsyncGenerator<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    let position = (await handle.stat()).size;
    let carry = Buffer.alloc(0);
    let overlong = false;
    while (position > 0) {
      const length = Math.min(CHUNK_BYTES, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      const { bytesRead } = await handle.read(chunk, 0, length, position);
      const buffer = Buffer.concat([chunk.subarray(0, bytesRead), carry]);
      let end = buffer.length;
      if (overlong) {
        // Still inside a skipped overlong line: it ends at the first newline from the end of what was read.
        const nl = buffer.lastIndexOf(NEWLINE);
        if (nl === -1) {
          carry = Buffer.alloc(0);
          continue;
        }
        end = nl;
        overlong = false;
      }
      // (A negative offset would make lastIndexOf search from the end again.)
      let nl = end > 0 ? buffer.lastIndexOf(NEWLINE, end - 1) : -1;
      while (nl !== -1) {
        if (end > nl + 1) yield buffer.toString('utf8', nl + 1, end);
        end = nl;
        nl = end > 0 ? buffer.lastIndexOf(NEWLINE, end - 1) : -1;
      }
      carry = buffer.subarray(0, end);
      if (carry.length > MAX_LINE_BYTES) {
        overlong = true;
        carry = Buffer.alloc(0);
      }
    }
    if (carry.length > 0 && !overlong) yield carry.toString('utf8');
  } finally {
    await handle.close();
  }
}
