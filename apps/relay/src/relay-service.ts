import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EventRelay } from '@stockflow/messaging';
import { lagReadinessCheck, runService, type RunningService, type StartOptions } from '@stockflow/platform';
import { PostgresCheckpointStore, checkpointStoreMigrations } from '@stockflow/postgres';
import { RelayConfig } from './relay-config.js';
import { RelayModule } from './relay.module.js';
import { stuckReadinessCheck } from './stuck-readiness.js';

/** The relay's own work: one context's log → its JetStream stream. */
export interface RelayWork {
  readonly relay: EventRelay;
  stop(): Promise<void>;
}

/**
 * Starts one context's relay (ADR 0003): reads the context's log in its schema, woken by the writing
 * service's nudges, publishes it to the context's stream, and serves health, readiness (PostgreSQL,
 * NATS, lag, stuck) and metrics.
 */
export function startRelayService(config: RelayConfig, options: StartOptions = {}): Promise<RunningService<RelayWork>> {
  const name = `relay-${config.RELAY_CONTEXT}`;
  let relay: EventRelay | undefined;
  let lag = 0;
  return runService<RelayWork>({
    name,
    config,
    ...options,
    eventLog: 'relay',
    migrations: checkpointStoreMigrations,
    module: () => RelayModule,
    readinessChecks: () => ({
      relayLag: lagReadinessCheck(() => lag, { maxLag: config.RELAY_MAX_READY_LAG }),
      relayStuck: stuckReadinessCheck({ stalledForMs: () => relay?.stalledForMs() ?? 0 }, config.RELAY_STUCK_AFTER_MS),
    }),
    work: async ({ infrastructure, service }) => {
      const { nats, pool, schema, scheme, store } = infrastructure;
      relay = new EventRelay({
        store,
        checkpoints: new PostgresCheckpointStore(pool, schema),
        js: jetstream(nats),
        jsm: await jetstreamManager(nats),
        context: config.RELAY_CONTEXT,
        scheme,
        batchSize: config.RELAY_BATCH_SIZE,
        maxInFlight: config.RELAY_MAX_IN_FLIGHT,
        observer: {
          published: (n) => service.metrics.relayPublished.inc(n),
          lag: (n) => {
            lag = n;
            service.metrics.relayLag.set(n);
          },
          foreign: (n) => {
            service.metrics.relayForeignMessages.inc(n);
            service.logger.warn({ count: n }, 'relay: skipped messages on its stream that it did not publish');
          },
          error: (error) => service.logger.warn({ err: error }, 'relay: publish failed; resuming from the stream'),
        },
      });
      await relay.start();
      const started = relay;
      return { relay: started, stop: () => started.stop() };
    },
  });
}
