import type { Logger } from 'pino';
import type { DocumentBackend } from '../../config/document-backend.js';
import { FileDocuments } from '../../config/file-documents.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { RedisConnection } from './redis-connection.js';

export interface DocumentBackendOptions {
  readonly dataDir: string;
  /** Set when GATEHOUSE_REDIS_URL is: documents then live in Redis, shared by every replica and the CLI. */
  readonly redis?: RedisConnection | undefined;
  readonly portalUrl?: string | undefined;
  readonly log: Logger;
  readonly audit: AuditLog;
}

/**
 * The one place the documents' backend is chosen, once per process (server
 * or CLI): files in the data dir, or Redis. With Redis, a first start against
 * an empty Redis imports the data dir's documents (see document-import.ts).
 */
export async function openDocumentBackend(options: DocumentBackendOptions): Promise<DocumentBackend> {
  if (!options.redis) return new FileDocuments(options.dataDir);
  // Loaded only with Redis, like ioredis itself.
  const [{ RedisDocuments }, { importDataDirOnce }, { sharedDocuments }] = await Promise.all([
    import('./redis-documents.js'),
    import('./document-import.js'),
    import('./shared-documents.js'),
  ]);
  const documents = new RedisDocuments(options.redis);
  await importDataDirOnce({ documents, dataDir: options.dataDir, shared: sharedDocuments(options.portalUrl), log: options.log, audit: options.audit });
  return documents;
}
