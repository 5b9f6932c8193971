/**
 * Gatehouse's entry point: read the environment, run the boot checks, start.
 * An unsafe setup is refused with every problem listed, and a non-zero exit.
 */
import { readEnv } from './src/env.js';
import { createLogger } from './src/logger.js';
import { BootError, startServer } from './src/server.js';
import { InstanceLockedError } from './config/instance-lock.js';

const env = readEnv(process.env);
const log = createLogger(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(env.logLevel) ? env.logLevel : 'info');

try {
  const server = await startServer(env, log);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info(`${signal} received, shutting down`);
    server.close().then(
      () => process.exit(0),
      (error) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  if (error instanceof BootError || error instanceof InstanceLockedError) {
    // stderr, plainly: this is read by a person fixing their setup.
    process.stderr.write(`${error.message}\n`);
    log.flush?.();
    process.exit(1);
  }
  log.fatal({ err: error }, 'Gatehouse failed to start');
  process.exit(1);
}
