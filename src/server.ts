import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConfigStore } from '../config/config-store.js';
import { InvalidDocumentError } from '../config/document-store.js';
import { acquireInstanceLock } from '../config/instance-lock.js';
import { assembleGatehouse, type Gatehouse } from './assemble.js';
import { bootReport, invalidConfigReport } from './boot-checks.js';
import { redisSettings, type EnvSettings } from './env.js';
import type { RedisConnection } from './backend/redis-connection.js';
import { redisEnvProblems, redisTarget } from './backend/redis-settings.js';

export class BootError extends Error {
  readonly code = 'GH_BOOT_REFUSED';
  constructor(readonly problems: string[]) {
    super(`Gatehouse refuses to start:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface RunningServer {
  /** Proxy mode's port, when GATEHOUSE_PROXY_PORT is set. */
  readonly proxyPort: number | undefined;
  readonly app: FastifyInstance;
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The shared backend's connection when GATEHOUSE_REDIS_URL is set (ioredis is loaded only then). */
async function connectRedis(env: EnvSettings): Promise<RedisConnection | undefined> {
  // Bad Redis variables are refused before any connection attempt (the full boot report lists them too).
  const problems = redisEnvProblems(env);
  if (problems.length > 0) throw new BootError(problems);
  const settings = redisSettings(env);
  if (!settings) return undefined;
  const { RedisConnection } = await import('./backend/redis-connection.js');
  const redis = new RedisConnection(settings);
  try {
    await redis.connect();
  } catch (error) {
    await redis.close();
    throw new BootError([`GATEHOUSE_REDIS_URL: ${redisTarget(settings)} does not answer (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : 'no answer'}); start Redis or fix the address`]);
  }
  return redis;
}

/** Runs the boot checks, then starts listening. Throws BootError listing every problem. */
export async function startServer(env: EnvSettings, log: Logger): Promise<RunningServer> {
  await mkdir(env.dataDir, { recursive: true, mode: 0o700 });
  const lock = acquireInstanceLock(env.dataDir);
  const redis = await connectRedis(env).catch((error: unknown) => {
    lock.release();
    throw error;
  });
  const store = new ConfigStore({ dataDir: env.dataDir, portalUrl: env.portalUrl });
  let gatehouse: Gatehouse | undefined;
  try {
    try {
      await store.open();
    } catch (error) {
      if (error instanceof InvalidDocumentError) throw new BootError(await invalidConfigReport(error, env));
      throw error;
    }
    let warnings: readonly string[] = [];
    gatehouse = await assembleGatehouse({
      config: store,
      env,
      redis,
      log,
      beforeRuntime: async (accounts) => {
        const report = bootReport(store.current, env, accounts.users);
        if (report.problems.length > 0) throw new BootError(report.problems);
        warnings = report.warnings;
        await accounts.users.prepare();
      },
    });
    await gatehouse.start();
    const { app, holder, proxy } = gatehouse;
    await app.listen({ port: env.port, host: env.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : env.port;
    const rt = holder.current();
    log.info({ mode: rt.config.mode, domains: rt.config.domains, portal: rt.portal.origin }, `Gatehouse listening on http://${env.host}:${port} in ${rt.config.mode} mode; protecting ${rt.config.domains.join(', ')}`);
    let proxyPort: number | undefined;
    if (proxy) {
      await proxy.listen({ port: env.proxyPort, host: env.host });
      const proxyAddress = proxy.server.address();
      proxyPort = typeof proxyAddress === 'object' && proxyAddress ? proxyAddress.port : env.proxyPort;
      const apps = rt.config.proxy.apps.map((a) => `${a.host} → ${a.upstream}`).join(', ') || 'none yet (add proxy.apps)';
      log.info({ proxyPort, apps: rt.config.proxy.apps }, `Gatehouse proxying on http://${env.host}:${proxyPort}: ${apps}`);
    }
    for (const warning of warnings) log.warn(warning);
    const running = gatehouse;
    return {
      app,
      address: env.host,
      port,
      proxyPort,
      async close() {
        await running.close();
        await redis?.close();
        lock.release();
      },
    };
  } catch (error) {
    if (gatehouse) await gatehouse.close().catch(() => undefined);
    else store.close();
    await redis?.close();
    lock.release();
    throw error;
  }
}
