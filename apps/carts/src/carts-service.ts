import { runEventSourcedService, type RunningService } from '@stockflow/platform';
import { CartsConfig } from './carts-config.js';
import { CartsModule, cartsOpenApi } from './carts.module.js';

export interface StartCartsOptions {
  /** Overrides config.PORT (0: any free port). */
  readonly port?: number;
  /** Stop on SIGTERM/SIGINT (default true; in-process tests pass false). */
  readonly handleSignals?: boolean;
}

/** Starts the carts service: its schema (event store, HTTP idempotency), NATS and the REST API. */
export function startCartsService(config: CartsConfig, options: StartCartsOptions = {}): Promise<RunningService> {
  return runEventSourcedService({ name: 'carts', config, module: () => CartsModule, openApi: cartsOpenApi, ...options });
}
