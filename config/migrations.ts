import { CONFIG_VERSION } from './schema.js';

type Migration = (raw: Record<string, unknown>) => Record<string, unknown>;

/**
 * MIGRATIONS[n] turns a version-n document into version n+1. A file without a
 * `version` field is version 0 (hand-written before versions existed).
 */
const MIGRATIONS: Record<number, Migration> = {
  0: (raw) => ({ ...raw, version: 1 }),
};

export class MigrationError extends Error {
  readonly code = 'GH_CONFIG_VERSION';
}

/** Brings a parsed config.json up to CONFIG_VERSION. Returns the same object when current. */
export function migrateConfig(raw: unknown): { value: unknown; migrated: boolean } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { value: raw, migrated: false };
  let doc = raw as Record<string, unknown>;
  let version = doc.version === undefined ? 0 : doc.version;
  if (typeof version !== 'number' || !Number.isInteger(version)) return { value: raw, migrated: false };
  if (version > CONFIG_VERSION) {
    throw new MigrationError(`config version ${version} is newer than this Gatehouse understands (${CONFIG_VERSION}); upgrade Gatehouse`);
  }
  const start = version;
  while (version < CONFIG_VERSION) {
    const step = MIGRATIONS[version];
    if (!step) throw new MigrationError(`no migration from config version ${version}`);
    doc = step(doc);
    version += 1;
  }
  return { value: doc, migrated: version !== start };
}
