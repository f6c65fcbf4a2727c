import { ContextServiceConfig, EnvInt } from '@stockflow/platform';

/** Environment of the carts service. Every variable of `ContextServiceConfig`, with carts' defaults. */
export class CartsConfig extends ContextServiceConfig {
  override SERVICE_NAME = 'carts';
  override PORT = 3003;
  override DB_SCHEMA = 'carts';

  /** Cart states kept in memory by the command handler (least recently used are dropped). */
  @EnvInt({ min: 1, max: 1_000_000 })
  CART_STATE_CACHE_SIZE: number = 10_000;
}
