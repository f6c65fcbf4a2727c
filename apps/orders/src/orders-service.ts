import { relayHostingOf, runService, type RunningService, type StartOptions } from '@stockflow/platform';
import { OrdersConfig } from './orders-config.js';
import { ORDERS_CONSUMERS, ORDERS_OPENAPI, OrdersModule } from './orders.module.js';

/** Starts the orders service: HTTP API, saga consumers, deadline sweeper. */
export function startOrdersService(config: OrdersConfig, options: StartOptions = {}): Promise<RunningService> {
  return runService({ name: 'orders', config, relay: relayHostingOf(config, 'orders'), module: () => OrdersModule, consumers: ORDERS_CONSUMERS, openApi: ORDERS_OPENAPI, ...options });
}
