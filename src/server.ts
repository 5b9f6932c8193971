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
import { connectRedis } from './backend/connect-redis.js';
import { openDocumentBackend } from './backend/documents.js';
import { AuditLog } from './audit/audit-log.js';
import { RedisAuditLog } from './audit/redis-audit-log.js';

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

/** The Redis connection, or a BootError naming what is wrong: bad variables (before any attempt), or a Redis that does not answer. */
async function connectRedisOrRefuse(env: EnvSettings): Promise<RedisConnection | undefined> {
  const problems = redisEnvProblems(env);
  if (problems.length > 0) throw new BootError(problems);
  try {
    return await connectRedis(env);
  } catch (error) {
    const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : 'no answer';
    const where = redisTarget(redisSettings(env)!);
    throw new BootError([
      /WRONGPASS|NOAUTH|invalid password/i.test(reason)
        ? `GATEHOUSE_REDIS_URL: ${where} refused the credentials (${reason}); put the right password in the URL (redis://:password@host:6379/0)`
        : `GATEHOUSE_REDIS_URL: ${where} does not answer (${reason}); start Redis or fix the address`,
    ]);
  }
}

/** A damaged data file found while assembling (the sessions journal) refuses the start, naming the file and the record. */
async function refuseDamagedData<T>(assembling: Promise<T>): Promise<T> {
  try {
    return await assembling;
  } catch (error) {
    if (error instanceof InvalidDocumentError) throw new BootError(error.problems.map((p) => `${error.file}: ${p}`));
    throw error;
  }
}

/** Runs the boot checks, then starts listening. Throws BootError listing every problem. */
export async function startServer(env: EnvSettings, log: Logger): Promise<RunningServer> {
  await mkdir(env.dataDir, { recursive: true, mode: 0o700 });
  const redis = await connectRedisOrRefuse(env);
  // The lock keeps a second process off the same files; with Redis, replicas share state there instead.
  const lock = redis ? { release: () => undefined } : acquireInstanceLock(env.dataDir);
  let store: ConfigStore | undefined;
  let gatehouse: Gatehouse | undefined;
  try {
    try {
      const documents = await openDocumentBackend({ dataDir: env.dataDir, redis, portalUrl: env.portalUrl, log, audit: redis ? new RedisAuditLog(() => redis) : new AuditLog(env.dataDir) });
      store = new ConfigStore({ dataDir: env.dataDir, portalUrl: env.portalUrl, documents });
      await store.open();
    } catch (error) {
      if (error instanceof InvalidDocumentError) throw new BootError(await invalidConfigReport(error, env));
      throw error;
    }
    let warnings: readonly string[] = [];
    const config = store;
    gatehouse = await refuseDamagedData(assembleGatehouse({
      config,
      env,
      redis,
      log,
      beforeRuntime: async (accounts) => {
        const report = bootReport(config.current, env, accounts.users);
        if (report.problems.length > 0) throw new BootError(report.problems);
        warnings = report.warnings;
        await accounts.users.prepare();
      },
    }));
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
    else store?.close();
    await redis?.close();
    lock.release();
    throw error;
  }
}
