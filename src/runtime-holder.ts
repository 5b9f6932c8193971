import type { Logger } from 'pino';
import type { ConfigStore } from '../config/config-store.js';
import { buildRuntime, type PortalEnv, type Runtime } from './runtime.js';
import type { StrategyServices } from '../strategies/types.js';

/**
 * Holds the Runtime for the current config and rebuilds it when the config
 * changes, so a mode switch or rule edit applies to the next request. A config
 * that validates but cannot be put in force keeps the previous runtime.
 */
export class RuntimeHolder {
  private runtime: Runtime;

  constructor(store: ConfigStore, env: PortalEnv, log: Logger, services?: StrategyServices) {
    this.runtime = buildRuntime(store.current, env, services);
    store.on('change', (config) => {
      try {
        const previousMode = this.runtime.config.mode;
        this.runtime = buildRuntime(config, env, services);
        log.info({ mode: config.mode }, previousMode === config.mode ? 'config reloaded' : `mode switched from ${previousMode} to ${config.mode}`);
      } catch (error) {
        log.error({ err: error }, 'new config could not be applied; keeping the previous one');
      }
    });
    store.on('invalid', (error) => {
      log.error({ file: error.file, problems: error.problems }, `refused an invalid edit of ${error.file}; keeping the last good config`);
    });
  }

  readonly current = (): Runtime => this.runtime;
}
