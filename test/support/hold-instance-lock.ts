/**
 * Child process for the instance-lock tests: claims a data dir, prints
 * `locked`, and holds the lock until it is killed.
 *
 *   node --import tsx test/support/hold-instance-lock.ts <dataDir>
 */
import { acquireInstanceLock } from '../../config/instance-lock.js';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: hold-instance-lock.ts <dataDir>\n');
  process.exit(2);
}
acquireInstanceLock(dataDir);
process.stdout.write('locked\n');
setInterval(() => undefined, 60_000);
