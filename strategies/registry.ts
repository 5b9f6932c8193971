import type { Config } from '../config/schema.js';
import { OpenStrategy } from './open.js';
import { TokenStrategy } from './token.js';
import type { AuthMode, AuthStrategy } from './types.js';

export class ModeUnavailableError extends Error {
  readonly code = 'GH_MODE_UNAVAILABLE';
}

type StrategyFactory = (config: Config) => AuthStrategy;

/** Every mode must have a factory: the Record type makes a missing one a compile error. */
const FACTORIES: Record<AuthMode, StrategyFactory> = {
  open: () => new OpenStrategy(),
  token: (config) => new TokenStrategy({ tokenHash: config.token?.hash }),
  userPassword: () => {
    throw new ModeUnavailableError('userPassword mode is not available in this version of Gatehouse');
  },
  oauth2: () => {
    throw new ModeUnavailableError('oauth2 mode is not available in this version of Gatehouse');
  },
};

export function createStrategy(config: Config): AuthStrategy {
  return FACTORIES[config.mode](config);
}
