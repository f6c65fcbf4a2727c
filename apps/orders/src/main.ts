// The orders service: REST API for orders, the order saga (consumers of the orders, inventory and
// carts streams) and its deadline sweeper.
import 'reflect-metadata';
import { ConfigError, loadConfig } from '@stockflow/platform';
import { OrdersConfig } from './orders-config.js';
import { runOrdersService } from './orders.module.js';

async function main(): Promise<void> {
  const config = loadConfig(OrdersConfig);
  await runOrdersService(config);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
