// The inventory service: REST for SKUs and stock, and the order saga's reservation requests from
// JetStream. Configuration comes from the environment (see inventory-config.ts).
import 'reflect-metadata';
import { runMain } from '@stockflow/platform';
import { InventoryConfig } from './inventory-config.js';
import { startInventoryService } from './inventory-service.js';

runMain('inventory', InventoryConfig, (config) => startInventoryService(config));
