// The orders service: REST API for orders, the order saga (consumers of the orders, inventory and
// carts streams) and its deadline sweeper.
import 'reflect-metadata';
import { runMain } from '@stockflow/platform';
import { OrdersConfig } from './orders-config.js';
import { startOrdersService } from './orders-service.js';

runMain('orders', OrdersConfig, (config) => startOrdersService(config));
