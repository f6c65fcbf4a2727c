import { ContextServiceConfig, EnvInt } from '@stockflow/platform';

/** Environment of the orders service (see ContextServiceConfig for the common variables). */
export class OrdersConfig extends ContextServiceConfig {
  override SERVICE_NAME = 'orders';
  override PORT = 3001;
  override DB_SCHEMA = 'orders';
  /** The HTTP side's 8 and the 4 the saga's consumers and sweeper may use at once. */
  override DB_POOL_MAX = 12;

  /** How long the saga waits for inventory's answers before it rejects the order. */
  @EnvInt({ min: 1, max: 86_400_000 })
  SAGA_TIMEOUT_MS: number = 30_000;

  /** How often the sweeper looks for sagas past their deadline. */
  @EnvInt({ min: 10, max: 3_600_000 })
  SAGA_SWEEP_INTERVAL_MS: number = 1_000;
}
