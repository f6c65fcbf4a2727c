import { relayHostingOf, runService, type RunningService, type StartOptions } from '@stockflow/platform';
import { InventoryConfig } from './inventory-config.js';
import { InventoryModule, inventoryOpenApi } from './inventory.module.js';
import { RESERVATIONS_CONSUMER } from './reservations/reservations.handler.js';

/**
 * Starts the inventory service: its schema (event store, HTTP idempotency, inbox), NATS, the REST
 * API with OpenAPI at /docs, and the durable consumer of the order saga's reservation requests.
 */
export function startInventoryService(config: InventoryConfig, options: StartOptions = {}): Promise<RunningService> {
  return runService({
    name: config.SERVICE_NAME ?? 'inventory',
    config,
    relay: relayHostingOf(config, 'inventory'),
    module: () => InventoryModule,
    consumers: [RESERVATIONS_CONSUMER],
    openApi: inventoryOpenApi,
    ...options,
  });
}
