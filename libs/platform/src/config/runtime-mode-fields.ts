import { EnvEnum, EnvOptional, EnvString } from './env-decorators.js';
import { STOCKFLOW_ENVS, type StockflowEnv } from './runtime-mode.js';

/** The variables that say a process's mode (`isDevelopment`), for every process's configuration to extend. */
export class RuntimeModeFields {
  /**
   * The mode (`isDevelopment`): `development` allows the secrets that ship with the code, unsigned
   * webhooks and running without an identity provider; unset or anything else is production
   * (ADR 0027). `npm start` sets development.
   */
  @EnvOptional()
  @EnvEnum(STOCKFLOW_ENVS)
  STOCKFLOW_ENV?: StockflowEnv;

  /** Read when STOCKFLOW_ENV is unset: `development` means development mode. */
  @EnvOptional()
  @EnvString({ pattern: /^[A-Za-z-]{1,32}$/, description: 'a mode name such as "production"' })
  NODE_ENV?: string;
}
