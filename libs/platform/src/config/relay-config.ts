import type { RelayHosting, RelaySettings } from '../host/hosted-relay.js';
import { BaseServiceConfig } from './base-service-config.js';
import { EnvBoolean, EnvInt } from './env-decorators.js';

/** The variables of a context's relay, wherever it runs (ADR 0003, 0017, 0043). */
export class RelaySettingsConfig extends BaseServiceConfig implements RelaySettings {
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

  /**
   * How often a standby asks for the context's relay lock, and the leader checks that it still holds
   * it: a replica takes over within about this long after the leader dies.
   */
  @EnvInt({ min: 100, max: 60_000 })
  RELAY_ELECTION_INTERVAL_MS: number = 1000;
}

/** A service that owns a context's event log (orders, inventory, carts, notifications). */
export class ContextServiceConfig extends RelaySettingsConfig {
  /**
   * The service runs its context's relay in its own process (ADR 0043): one replica at a time, by
   * a PostgreSQL advisory lock. `false` when the standalone relay app (`apps/relay`) relays it.
   */
  @EnvBoolean()
  RELAY_IN_PROCESS: boolean = true;
}

/** The relay a context's service hosts, or none when the standalone relay runs it. */
export function relayHostingOf(config: ContextServiceConfig, context: string): RelayHosting | undefined {
  return config.RELAY_IN_PROCESS ? { context, settings: config } : undefined;
}
