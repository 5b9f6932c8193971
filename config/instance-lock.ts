import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './process-alive.js';

export class InstanceLockedError extends Error {
  readonly code = 'GH_DATA_DIR_IN_USE';
}


/**
 * Claims the data dir for this server process. A second Gatehouse server on
 * the same directory would keep its own in-memory sessions and overwrite the
 * first one's state, so it is refused. A lock left by a dead process is taken over.
 */
export function acquireInstanceLock(dataDir: string): { release(): void } {
  const file = join(dataDir, 'gatehouse.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid)) {
        throw new InstanceLockedError(
          `another Gatehouse (pid ${pid}) is already using the data dir ${dataDir}; stop it, or give this one its own GATEHOUSE_DATA_DIR`,
        );
      }
      unlinkSync(file);
    }
  }
  throw new InstanceLockedError(`could not claim the data dir ${dataDir}`);
}
