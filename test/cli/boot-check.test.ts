import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../config/schema.js';
import { bootReport } from '../../src/boot-checks.js';
import type { EnvSettings } from '../../src/env.js';
import { BootError, startServer } from '../../src/server.js';

const SECRET = 'boot-check-secret-0123456789abcdefghijklmnop';
const env = (dataDir: string): EnvSettings => ({ dataDir, port: 0, host: '127.0.0.1', sessionSecret: SECRET, portalUrl: 'https://auth.example.com', logLevel: 'silent' });
const config = ConfigSchema.parse({ version: 1, mode: 'userPassword', domains: ['example.com'] });

describe('boot check: userPassword needs an enabled admin', () => {
  it('no usable admin is a problem that says how to add one', () => {
    const report = bootReport(config, env('/nonexistent'), { hasUsableAdmin: () => false });
    const problem = report.problems.find((p) => p.includes('admin'));
    expect(problem).toMatch(/gatehouse user add <name> --role admin/);
  });

  it('with a usable admin there is no such problem; other modes do not ask', () => {
    expect(bootReport(config, env('/nonexistent'), { hasUsableAdmin: () => true }).problems).toEqual([]);
    const open = ConfigSchema.parse({ version: 1, mode: 'open', domains: ['example.com'] });
    expect(bootReport(open, env('/nonexistent'), { hasUsableAdmin: () => false }).problems).toEqual([]);
  });

  it('startServer refuses to start with only a disabled admin, listing the problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-boot-'));
    try {
      await writeFile(join(dir, 'config.json'), JSON.stringify({ version: 1, mode: 'userPassword', domains: ['example.com'], security: { bcryptCost: 12 } }));
      const stamp = new Date().toISOString();
      const user = (username: string, patch: Record<string, unknown>) => ({
        id: `id-${username}-0000`,
        username,
        usernameKey: username,
        role: 'admin',
        passwordHash: '$2b$10$abcdefghijklmnopqrstuu6KiFHVu2T8rT0qzV8yQ4O1F1nJ6p7W2e',
        disabled: false,
        createdAt: stamp,
        updatedAt: stamp,
        ...patch,
      });
      // One admin is disabled, the other has no password: neither can sign in.
      await writeFile(join(dir, 'users.json'), JSON.stringify({ version: 1, users: [user('alice', { disabled: true }), user('bob', { passwordHash: '' }), user('carol', { role: 'editor' })] }));
      const attempt = startServer(env(dir), pino({ level: 'silent' }));
      await expect(attempt).rejects.toBeInstanceOf(BootError);
      const error = (await attempt.catch((e: unknown) => e)) as BootError;
      expect(error.problems.some((p) => p.includes('gatehouse user add') && p.includes('--role admin'))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
