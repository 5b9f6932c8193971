import { open, readFile, stat, unlink } from 'node:fs/promises';
import { isProcessAlive } from './process-alive.js';

const STALE_AFTER_MS = 10_000;
const RETRY_MS = 15;
const GIVE_UP_AFTER_MS = 10_000;

/**
 * Runs `fn` while holding `<file>.lock`, so the server and a CLI editing the
 * same data dir never interleave a read-modify-write. The lock is a file
 * created with O_EXCL holding the owner's pid; one left behind by a killed
 * process is taken over.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      // A lock whose writer was killed is taken over at once, not after the stale timeout.
      const holder = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
      const dead = Number.isInteger(holder) && holder > 0 && holder !== process.pid && !isProcessAlive(holder);
      if (dead || age > STALE_AFTER_MS) {
        await unlink(lock).catch(() => undefined);
        continue;
      }
      if (Date.now() - started > GIVE_UP_AFTER_MS) throw new Error(`timed out waiting for lock ${lock}`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}
