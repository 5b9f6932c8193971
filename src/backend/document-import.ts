import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readTextIfExists } from '../../config/atomic-file.js';
import { InvalidDocumentError, parseDocumentJson } from '../../config/document-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { IMPORT_DOCUMENTS } from './redis-document-scripts.js';
import type { RedisDocuments } from './redis-documents.js';
import type { SharedDocument } from './shared-documents.js';
import { asStoreUnavailable } from './store-unavailable.js';

export interface ImportOptions {
  readonly documents: RedisDocuments;
  readonly dataDir: string;
  readonly shared: readonly SharedDocument[];
  readonly log: Logger;
  readonly audit: AuditLog;
}

/** The data dir's documents that exist, each decoded by its codec (so an invalid one throws InvalidDocumentError). */
async function readDataDir(dataDir: string, shared: readonly SharedDocument[]): Promise<Array<{ name: string; json: string }>> {
  const found: Array<{ name: string; json: string }> = [];
  for (const { name, codec } of shared) {
    const file = join(dataDir, name);
    const text = await readTextIfExists(file);
    if (text === null) continue;
    found.push({ name, json: JSON.stringify(codec.decode(parseDocumentJson(text, file), file)) });
  }
  return found;
}

/** Names of the local documents whose content is not what Redis holds. */
async function differing(options: ImportOptions, local: ReadonlyArray<{ name: string; json: string }>): Promise<string[]> {
  const names: string[] = [];
  for (const { name, json } of local) {
    const codec = options.shared.find((d) => d.name === name)!.codec;
    const stored = await options.documents.read(name).catch((error: unknown) => {
      if (error instanceof InvalidDocumentError) return null;
      throw error;
    });
    let same = false;
    try {
      same = stored !== null && JSON.stringify(codec.decode(JSON.parse(stored.json), name)) === json;
    } catch {
      same = false;
    }
    if (!same) names.push(name);
  }
  return names;
}

/**
 * On the first start against a Redis that holds no Gatehouse state, copies
 * the data dir's documents into Redis, all at once and only once: the copy
 * and the "state" marker are one Lua script, so of two replicas starting
 * together exactly one imports (and a replica with an empty data dir starting
 * at the same moment does not turn the state into its first-run open mode;
 * see IMPORT_DOCUMENTS). Later the data dir is never read again while Redis
 * is the backend; if it differs from Redis, a warning says Redis wins.
 *
 * An invalid local document stops the import (and the start) rather than
 * importing half a data dir. Returns whether this call imported.
 */
export async function importDataDirOnce(options: ImportOptions): Promise<boolean> {
  const { documents, log } = options;
  const local = await readDataDir(options.dataDir, options.shared);
  if (local.length === 0) return false;
  const names = local.map((d) => d.name);
  const marker = JSON.stringify({ since: new Date().toISOString(), by: `import from ${hostname()}:${options.dataDir}`, documents: names });
  let imported: boolean;
  try {
    const all = options.shared.map((d) => d.name);
    const keys = all.map((name) => documents.keyOf(name));
    const json = all.map((name) => local.find((d) => d.name === name)?.json ?? '');
    const result = await documents.redis.client.eval(IMPORT_DOCUMENTS, 1 + keys.length, documents.stateKey, ...keys, marker, documents.channel, ...all, ...json);
    imported = Number(result) === 1;
  } catch (error) {
    throw asStoreUnavailable(error);
  }
  if (imported) {
    log.info({ dataDir: options.dataDir, documents: names }, `imported ${names.join(', ')} from the data dir ${options.dataDir} into Redis: every replica now shares them`);
    await options.audit.record({ event: 'backend.import', actor: 'system', details: { dataDir: options.dataDir, documents: names.join(',') } });
    return true;
  }
  const stale = await differing(options, local);
  if (stale.length > 0) {
    log.warn(
      { dataDir: options.dataDir, documents: stale },
      `the data dir's ${stale.join(', ')} differ from the shared state in Redis; Redis wins and these files are not read while GATEHOUSE_REDIS_URL is set`,
    );
  }
  return false;
}
