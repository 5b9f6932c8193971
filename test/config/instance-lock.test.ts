import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireInstanceLock, InstanceLockedError } from '../../config/instance-lock.js';
import { spawnTs, waitForExit, waitForOutput } from '../support/child-process.js';

describe('instance lock on the data dir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-lock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('refuses a second server while a live process holds the lock, with a clear message', async () => {
    const holder = spawnTs('test/support/hold-instance-lock.ts', [dir]);
    const exited = waitForExit(holder);
    try {
      await waitForOutput(holder, 'locked');
      let error: unknown;
      try {
        acquireInstanceLock(dir);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InstanceLockedError);
      expect((error as InstanceLockedError).code).toBe('GH_DATA_DIR_IN_USE');
      expect((error as Error).message).toContain(`pid ${holder.pid}`);
      expect((error as Error).message).toContain(dir);
      expect((error as Error).message).toContain('GATEHOUSE_DATA_DIR');
      // The holder's lock is untouched.
      expect((await readFile(join(dir, 'gatehouse.pid'), 'utf8')).trim()).toBe(String(holder.pid));
    } finally {
      holder.kill('SIGKILL');
      await exited;
    }
  });

  it('takes over a stale lock left by a dead process', async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    await waitForExit(dead);
    await writeFile(join(dir, 'gatehouse.pid'), String(dead.pid));
    const lock = acquireInstanceLock(dir);
    expect((await readFile(join(dir, 'gatehouse.pid'), 'utf8')).trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(join(dir, 'gatehouse.pid'))).toBe(false);
  });

  it('takes over a lock with garbage in it', async () => {
    await writeFile(join(dir, 'gatehouse.pid'), 'not a pid');
    const lock = acquireInstanceLock(dir);
    expect((await readFile(join(dir, 'gatehouse.pid'), 'utf8')).trim()).toBe(String(process.pid));
    lock.release();
  });

  it('release() leaves a lock that another process has since claimed', async () => {
    const lock = acquireInstanceLock(dir);
    await writeFile(join(dir, 'gatehouse.pid'), '999999999');
    lock.release();
    expect(existsSync(join(dir, 'gatehouse.pid'))).toBe(true);
  });
});
