// The carts service: REST commands on carts, stored as events in its own schema (DB_SCHEMA, default
// `carts`) and relayed to CARTS_EVENTS by `relay` with RELAY_CONTEXT=carts.
import 'reflect-metadata';
import { ConfigError, loadConfig } from '@stockflow/platform';
import { CartsConfig } from './carts-config.js';
import { startCartsService } from './carts-service.js';

async function main(): Promise<void> {
  const config = loadConfig(CartsConfig, process.env, { service: 'carts' });
  const running = await startCartsService(config);
  running.service.logger.info({ url: running.url, schema: config.DB_SCHEMA }, `carts listening on ${running.url}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `carts: ${error.message}` : error);
  process.exit(1);
});
