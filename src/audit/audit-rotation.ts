import { rename, stat, unlink } from 'node:fs/promises';
import { withFileLock } from '../../config/file-lock.js';

export interface AuditRotation {
  /** audit.log is rotated once it reaches this size. */
  readonly maxBytes: number;
  /** Rotated files kept (audit.log.1 … audit.log.N); the oldest beyond them is deleted. */
  readonly keep: number;
}

/** audit.log.N: the n-th newest rotated file (n ≥ 1); n = 0 is the live file. */
export function rotatedFile(file: string, n: number): string {
  return n === 0 ? file : `${file}.${n}`;
}

async function sizeOf(file: string): Promise<number> {
  return stat(file).then(
    (s) => s.size,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return 0;
      throw error;
    },
  );
}

const ignoreMissing = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'ENOENT') throw error;
};

/**
 * Rotates `file` when it has reached `maxBytes`: audit.log → audit.log.1 →
 * audit.log.2 …, dropping the oldest past `keep`. Under the file's lock and
 * re-checked there, so the server and a CLI never rotate the same file twice.
 * Another process still appending to the old file lands in audit.log.1:
 * renames keep open files, so no event is lost. Returns the live file's size after.
 */
export async function rotateIfFull(file: string, rotation: AuditRotation): Promise<number> {
  return withFileLock(file, async () => {
    const size = await sizeOf(file);
    if (size < rotation.maxBytes) return size;
    await unlink(rotatedFile(file, rotation.keep)).catch(ignoreMissing);
    for (let n = rotation.keep - 1; n >= 0; n--) await rename(rotatedFile(file, n), rotatedFile(file, n + 1)).catch(ignoreMissing);
    return 0;
  });
}
