/**
 * Child process for the crash-safety tests: writes two large, different
 * documents in turn, forever, until the test SIGKILLs it mid-write.
 *
 *   node --import tsx test/support/crash-writer.ts <atomic|store> <dataDir>
 *
 * Prints `wrote` after the first complete write, so the parent knows the
 * loop is running.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../config/atomic-file.js';
import { ConfigStore } from '../../config/config-store.js';
import { crashDocuments, crashConfigs } from './crash-documents.js';

const [how, dataDir] = process.argv.slice(2);
if ((how !== 'atomic' && how !== 'store') || !dataDir) {
  process.stderr.write('usage: crash-writer.ts <atomic|store> <dataDir>\n');
  process.exit(2);
}

let announced = false;
const announce = () => {
  if (!announced) {
    announced = true;
    process.stdout.write('wrote\n');
  }
};

if (how === 'atomic') {
  const file = join(dataDir, 'doc.json');
  const docs = crashDocuments();
  for (let i = 0; ; i++) {
    await writeFileAtomic(file, docs[i % 2]!);
    announce();
  }
} else {
  const store = new ConfigStore({ dataDir });
  await store.open();
  const configs = crashConfigs();
  for (let i = 0; ; i++) {
    await store.update(() => structuredClone(configs[i % 2]!));
    announce();
  }
}
