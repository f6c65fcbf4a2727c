import { BaseServiceConfig, EnvInt, EnvString } from '@stockflow/platform';

/** Environment of one relay process. `DB_SCHEMA` is the schema of the context's event store. */
export class RelayConfig extends BaseServiceConfig {
  @EnvString({ pattern: /^[a-z][a-z0-9-]*$/, description: 'the context whose log is relayed, e.g. "inventory"' })
  RELAY_CONTEXT!: string;

  /** A read of the log, the checkpoint, the lag count: few connections. */
  override DB_POOL_MAX = 4;

  @EnvInt({ min: 1, max: 10_000 })
  RELAY_BATCH_SIZE: number = 1000;

  @EnvInt({ min: 1, max: 4096 })
  RELAY_MAX_IN_FLIGHT: number = 256;

  /** /health/ready turns 503 above this many unpublished events. */
  @EnvInt({ min: 0 })
  RELAY_MAX_READY_LAG: number = 10_000;

  /** /health/ready turns 503 ("stuck") when the log has had unpublished events this long without the relay publishing any. */
  @EnvInt({ min: 1000, max: 3_600_000 })
  RELAY_STUCK_AFTER_MS: number = 5000;
}
