import { relayHostingOf, runService, type RunningService, type StartOptions } from '@stockflow/platform';
import { CartsConfig } from './carts-config.js';
import { CartsModule, cartsOpenApi } from './carts.module.js';

/** Starts the carts service: its schema (event store, HTTP idempotency), NATS and the REST API. */
export function startCartsService(config: CartsConfig, options: StartOptions = {}): Promise<RunningService> {
  return runService({ name: 'carts', config, relay: relayHostingOf(config, 'carts'), module: () => CartsModule, openApi: cartsOpenApi, ...options });
}
