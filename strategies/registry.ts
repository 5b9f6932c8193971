import type { Config } from '../config/schema.js';
import { OAuth2Strategy } from './oauth2.js';
import { OpenStrategy } from './open.js';
import { TokenStrategy } from './token.js';
import { UserPasswordStrategy } from './user-password.js';
import type { AuthMode, AuthStrategy, StrategyServices } from './types.js';

export class ModeUnavailableError extends Error {
  readonly code = 'GH_MODE_UNAVAILABLE';
}

type StrategyFactory = (config: Config, services: StrategyServices) => AuthStrategy;

/** Every mode must have a factory: the Record type makes a missing one a compile error. */
const FACTORIES: Record<AuthMode, StrategyFactory> = {
  open: () => new OpenStrategy(),
  token: (config) => new TokenStrategy({ tokenHash: config.token?.hash }),
  userPassword: (_config, services) => new UserPasswordStrategy(services),
  oauth2: (config, services) => {
    // The schema requires the block in oauth2 mode; this guards hand-built configs.
    if (!config.oauth2) throw new ModeUnavailableError('oauth2 mode needs an oauth2 block with issuerUrl and clientId');
    return new OAuth2Strategy(config.oauth2, services);
  },
};

/** Services for contexts that only validate a config (CLI, boot checks): any password check fails. */
export const NO_SERVICES: StrategyServices = {
  checkPassword: async () => ({ ok: false, reason: 'invalid' }),
  usersGeneration: () => 0,
  isBanned: () => false,
  checkApiToken: () => null,
};

export function createStrategy(config: Config, services: StrategyServices = NO_SERVICES): AuthStrategy {
  return FACTORIES[config.mode](config, services);
}
