import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema, type ConfigInput } from '../../config/schema.js';
import { bootReport, readConfigForCheck } from '../../src/boot-checks.js';
import { envProblems, readEnv, type EnvSettings } from '../../src/env.js';
import { sha256Hex } from '../../src/crypto/constant-time.js';

const SECRET_32 = 'abcdefghijklmnopqrstuvwxyz012345';
const TOKEN_CONFIG: ConfigInput = { version: 1, mode: 'token', domains: ['example.com'], token: { hash: sha256Hex('t') } };

function env(overrides: Partial<EnvSettings> = {}): EnvSettings {
  return { dataDir: '/tmp/x', port: 0, host: '127.0.0.1', sessionSecret: SECRET_32, portalUrl: 'https://auth.example.com', logLevel: 'info', ...overrides };
}
function report(config: ConfigInput, overrides: Partial<EnvSettings> = {}) {
  return bootReport(ConfigSchema.parse(config), env(overrides));
}
const secretProblems = (problems: string[]) => problems.filter((p) => p.startsWith('GATEHOUSE_SESSION_SECRET'));

describe('boot checks: the session secret', () => {
  it('token mode with no secret is refused, naming GATEHOUSE_SESSION_SECRET', () => {
    for (const sessionSecret of [undefined, '']) {
      const { problems } = report(TOKEN_CONFIG, { sessionSecret });
      expect(secretProblems(problems)).toEqual([expect.stringMatching(/GATEHOUSE_SESSION_SECRET: missing/)]);
    }
  });

  it('a 31-character secret is refused', () => {
    const { problems } = report(TOKEN_CONFIG, { sessionSecret: SECRET_32.slice(0, 31) });
    expect(secretProblems(problems)).toEqual([expect.stringMatching(/GATEHOUSE_SESSION_SECRET: is 31 characters; it must be at least 32/)]);
  });

  it('a whitespace-padded secret is refused, even when long enough with the padding', () => {
    for (const sessionSecret of [`  ${SECRET_32.slice(0, 30)}  `, `${SECRET_32}\n`, ` ${SECRET_32}`]) {
      const { problems } = report(TOKEN_CONFIG, { sessionSecret });
      expect(secretProblems(problems), JSON.stringify(sessionSecret)).toEqual([expect.stringMatching(/GATEHOUSE_SESSION_SECRET: .*whitespace/)]);
    }
  });

  it('a 32-character secret is accepted', () => {
    expect(report(TOKEN_CONFIG, { sessionSecret: SECRET_32 }).problems).toEqual([]);
  });

  it('open mode needs no secret, and warns loudly instead', () => {
    const { problems, warnings } = report({ version: 1, mode: 'open', domains: ['example.com'] }, { sessionSecret: undefined });
    expect(problems).toEqual([]);
    expect(warnings.join('\n')).toMatch(/OPEN MODE/);
  });
});

describe('boot checks: the config', () => {
  it('token mode without an instance token is refused', () => {
    const { problems } = report({ version: 1, mode: 'token', domains: ['example.com'] });
    expect(problems).toEqual([expect.stringMatching(/^token: .*token rotate/)]);
  });

  it('no protected domain is refused', () => {
    expect(report({ version: 1, mode: 'open' }).problems).toEqual([expect.stringMatching(/^domains: /)]);
  });

  it('lists every problem at once', () => {
    const { problems } = report({ version: 1, mode: 'token' }, { sessionSecret: 'short', port: 70_000, logLevel: 'loud', portalUrl: 'ftp://x' });
    const fields = problems.map((p) => p.split(':')[0]);
    expect(fields).toEqual(expect.arrayContaining(['GATEHOUSE_SESSION_SECRET', 'GATEHOUSE_PORT', 'GATEHOUSE_LOG_LEVEL', 'GATEHOUSE_PORTAL_URL', 'token', 'domains']));
    expect(problems).toHaveLength(6);
  });

  it('warns when a non-open mode serves the portal over plain http off localhost', () => {
    expect(report(TOKEN_CONFIG, { portalUrl: 'http://auth.example.com' }).warnings.join('\n')).toMatch(/plain http/);
    expect(report(TOKEN_CONFIG, { portalUrl: 'http://localhost:9092' }).warnings).toEqual([]);
  });
});

describe('env', () => {
  it('reads the environment with defaults', () => {
    const settings = readEnv({ GATEHOUSE_SESSION_SECRET: SECRET_32 });
    expect(settings).toMatchObject({ port: 9092, host: '0.0.0.0', sessionSecret: SECRET_32, portalUrl: undefined, logLevel: 'info' });
    expect(readEnv({ GATEHOUSE_PORT: '0' }).port).toBe(0);
    expect(envProblems(readEnv({ GATEHOUSE_PORT: 'eighty' }), false)).toEqual([expect.stringMatching(/^GATEHOUSE_PORT/)]);
  });
});

describe('readConfigForCheck', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-check-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reports the file and the path of each bad field', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ version: 1, mode: 'oauth2', domains: ['example.com'], session: { idle: 'forever' } }));
    const { config, problems } = await readConfigForCheck(dir);
    expect(config).toBeNull();
    const file = join(dir, 'config.json');
    expect(problems).toEqual(expect.arrayContaining([`${file}: oauth2: Invalid input: expected object, received undefined`, expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: session\\.idle: `))]));
  });

  it('reports a file that is not JSON', async () => {
    await writeFile(join(dir, 'config.json'), '{ mode: open }');
    const { config, problems } = await readConfigForCheck(dir);
    expect(config).toBeNull();
    expect(problems).toEqual([expect.stringMatching(/config\.json: .*not valid JSON/)]);
  });

  it('reports an unreadable file', async () => {
    await mkdir(join(dir, 'config.json'));
    const { config, problems } = await readConfigForCheck(dir);
    expect(config).toBeNull();
    expect(problems).toEqual([expect.stringMatching(/config\.json: cannot be read/)]);
  });

  it('returns a valid config, migrated, and no config at all when the file is missing', async () => {
    expect(await readConfigForCheck(dir)).toEqual({ config: null, problems: [] });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ mode: 'open', domains: ['example.com'] }));
    const { config, problems } = await readConfigForCheck(dir);
    expect(problems).toEqual([]);
    expect(config?.version).toBe(1);
  });
});

describe('boot checks: proxy mode', () => {
  const app = (host: string) => ({ host, upstream: 'http://127.0.0.1:3000' });

  it('refuses a proxied app outside the protected domains, naming it', () => {
    const { problems } = report({ ...TOKEN_CONFIG, proxy: { apps: [app('app.example.com'), app('wiki.other.org')] } }, { proxyPort: 9093 });
    expect(problems).toEqual([expect.stringMatching(/^proxy\.apps: wiki\.other\.org is not inside a protected domain \(example\.com\)/)]);
  });

  it('warns when apps are configured but GATEHOUSE_PROXY_PORT is not set, and refuses a bad port', () => {
    expect(report({ ...TOKEN_CONFIG, proxy: { apps: [app('app.example.com')] } }).warnings).toContainEqual(expect.stringMatching(/GATEHOUSE_PROXY_PORT is not/));
    expect(report(TOKEN_CONFIG, { proxyPort: 70000 }).problems).toContainEqual(expect.stringMatching(/^GATEHOUSE_PROXY_PORT: must be a port number/));
    expect(readEnv({ GATEHOUSE_PROXY_PORT: '9093' }).proxyPort).toBe(9093);
    expect(readEnv({}).proxyPort).toBeUndefined();
  });

  it('the schema refuses an upstream with a path or credentials, and a host listed twice', () => {
    for (const upstream of ['http://127.0.0.1:3000/app', 'http://user:pw@127.0.0.1:3000', 'ftp://127.0.0.1', 'http://127.0.0.1:3000/?x=1']) {
      expect(ConfigSchema.safeParse({ ...TOKEN_CONFIG, proxy: { apps: [{ host: 'app.example.com', upstream }] } }).success, upstream).toBe(false);
    }
    expect(ConfigSchema.safeParse({ ...TOKEN_CONFIG, proxy: { apps: [app('app.example.com'), app('app.example.com')] } }).success).toBe(false);
    expect(ConfigSchema.safeParse({ ...TOKEN_CONFIG, proxy: { apps: [app('app.example.com')] } }).success).toBe(true);
  });
});
