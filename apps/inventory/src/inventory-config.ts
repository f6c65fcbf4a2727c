import { ContextServiceConfig, EnvInt } from '@stockflow/platform';

/**
 * Environment of the inventory service: the platform's variables (PORT, HOST, DATABASE_URL,
 * DB_SCHEMA, NATS_URL, NATS_NAMESPACE, LOG_LEVEL) with inventory's defaults, and its own.
 */
export class InventoryConfig extends ContextServiceConfig {
  override SERVICE_NAME = 'inventory';
  override PORT: number = 3002;
  override DB_SCHEMA: string = 'inventory';

  /** SKU states kept in memory so that a command needs no read before its append; 0 turns the cache off. */
  @EnvInt({ min: 0, max: 10_000_000 })
  SKU_STATE_CACHE_SIZE: number = 10_000;
}
