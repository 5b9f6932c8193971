import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../../src/crypto/constant-time.js';
import { spawnTs } from './child-process.js';

/**
 * Starts the real entry point (instrumentation.ts) on port 0 over `dataDir`,
 * after writing a token-mode config.json there: for tests of what a boot
 * makes of the data files it finds.
 */
export async function spawnTokenModeServer(dataDir: string): Promise<ChildProcess> {
  await writeFile(join(dataDir, 'config.json'), JSON.stringify({ version: 1, mode: 'token', domains: ['example.com'], token: { hash: sha256Hex('instance-token') } }));
  return spawnTs('instrumentation.ts', [], {
    ...process.env,
    GATEHOUSE_PORT: '0',
    GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_PORTAL_URL: 'https://auth.example.com',
    GATEHOUSE_SESSION_SECRET: 'a'.repeat(40),
    GATEHOUSE_LOG_LEVEL: 'info',
  });
}
