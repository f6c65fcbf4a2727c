// `npm run openapi`: writes docs/openapi/orders.yaml from the controllers, with no database or broker.
import 'reflect-metadata';
import { controllersOf, runOpenApiWriter } from '@stockflow/platform';
import { OrdersModule, ORDERS_OPENAPI } from './orders.module.js';

await runOpenApiWriter({ name: 'orders', openApi: ORDERS_OPENAPI, controllers: controllersOf(OrdersModule) });
