import { runService, type RunningService, type StartOptions } from '@stockflow/platform';
import { checkpointStoreMigrations } from '@stockflow/postgres';
import { RelayConfig } from './relay-config.js';
import { RelayModule } from './relay.module.js';

/**
 * Starts one context's standalone relay (ADR 0003, 0043): it campaigns for the context's relay lock
 * beside any other replica, and while it holds it reads the context's log in its schema, woken by
 * the writers' nudges, and publishes it to the context's stream; it serves health, readiness
 * (PostgreSQL, NATS, lag, stuck) and metrics.
 */
export function startRelayService(config: RelayConfig, options: StartOptions = {}): Promise<RunningService> {
  return runService({
    name: `relay-${config.RELAY_CONTEXT}`,
    config,
    ...options,
    eventLog: 'relay',
    migrations: checkpointStoreMigrations,
    module: () => RelayModule,
    relay: { context: config.RELAY_CONTEXT, settings: config },
  });
}
