// The carts service: REST commands on carts, stored as events in its own schema (DB_SCHEMA, default
// `carts`) and relayed to CARTS_EVENTS by `relay` with RELAY_CONTEXT=carts.
import 'reflect-metadata';
import { runMain } from '@stockflow/platform';
import { CartsConfig } from './carts-config.js';
import { startCartsService } from './carts-service.js';

runMain('carts', CartsConfig, (config) => startCartsService(config));
