// `npm run openapi`: writes docs/openapi/inventory.yaml from the controllers, with no database or broker.
import 'reflect-metadata';
import { controllersOf, runOpenApiWriter } from '@stockflow/platform';
import { InventoryModule, inventoryOpenApi } from './inventory.module.js';

await runOpenApiWriter({ name: 'inventory', openApi: inventoryOpenApi, controllers: controllersOf(InventoryModule) });
