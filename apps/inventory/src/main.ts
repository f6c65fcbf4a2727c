// The inventory service: REST for SKUs and stock, and the order saga's reservation requests from
// JetStream. Configuration comes from the environment (see inventory-config.ts).
import 'reflect-metadata';
import { ConfigError, loadConfig } from '@stockflow/platform';
import { InventoryConfig } from './inventory-config.js';
import { startInventoryService } from './inventory-service.js';

function readConfig(): InventoryConfig {
  try {
    return loadConfig(InventoryConfig);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

startInventoryService(readConfig()).catch((error: unknown) => {
  console.error('inventory: failed to start', error);
  process.exit(1);
});
