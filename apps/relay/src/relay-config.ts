import { EnvString, RelaySettingsConfig } from '@stockflow/platform';

/**
 * Environment of the standalone relay, for a context whose service runs with `RELAY_IN_PROCESS=false`
 * (ADR 0043). `DB_SCHEMA` is the schema of the context's event store.
 */
export class RelayConfig extends RelaySettingsConfig {
  @EnvString({ pattern: /^[a-z][a-z0-9-]*$/, description: 'the context whose log is relayed, e.g. "inventory"' })
  RELAY_CONTEXT!: string;

  /** A read of the log, the checkpoint, the lag count, the relay lock: few connections. */
  override DB_POOL_MAX = 4;
}
