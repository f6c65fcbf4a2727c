// One context's relay: its PostgreSQL event log → its JetStream stream (ADR 0003), with health,
// readiness (PostgreSQL, NATS, lag) and Prometheus metrics over HTTP.
import 'reflect-metadata';
import { ConfigError, createService, lagReadinessCheck, loadConfig } from '@stockflow/platform';
import { RelayConfig } from './relay-config.js';
import { RelayModule } from './relay.module.js';
import { startRelayRuntime } from './relay-runtime.js';
import { stuckReadinessCheck } from './stuck-readiness.js';

async function main(): Promise<void> {
  const config = loadConfig(RelayConfig, process.env, { service: `relay-${process.env.RELAY_CONTEXT ?? 'unknown'}` });
  const name = `relay-${config.RELAY_CONTEXT}`;
  let lag = 0;
  let metricsSink: { published(n: number): void; lag(n: number): void; foreign(n: number): void } | null = null;
  let warn = (error: unknown): void => console.error('relay: publish failed; resuming from the stream', error);
  const runtime = await startRelayRuntime(
    {
      context: config.RELAY_CONTEXT,
      schema: config.DB_SCHEMA,
      databaseUrl: config.DATABASE_URL,
      natsUrl: config.NATS_URL,
      natsUser: config.NATS_USER,
      natsPassword: config.NATS_PASSWORD,
      namespace: config.NATS_NAMESPACE,
      batchSize: config.RELAY_BATCH_SIZE,
      maxInFlight: config.RELAY_MAX_IN_FLIGHT,
    },
    {
      published: (n) => metricsSink?.published(n),
      lag: (n) => {
        lag = n;
        metricsSink?.lag(n);
      },
      foreign: (n) => metricsSink?.foreign(n),
      error: (error) => warn(error),
    },
  );
  const service = await createService({
    name,
    module: RelayModule,
    config,
    pool: runtime.pool,
    nats: runtime.nats,
    readinessChecks: {
      relayLag: lagReadinessCheck(() => lag, { maxLag: config.RELAY_MAX_READY_LAG }),
      relayStuck: stuckReadinessCheck(runtime.relay, config.RELAY_STUCK_AFTER_MS),
    },
    shutdownHooks: false,
  });
  warn = (error) => service.logger.warn({ err: error }, 'relay: publish failed; resuming from the stream');
  metricsSink = {
    published: (n) => service.metrics.relayPublished.inc(n),
    lag: (n) => service.metrics.relayLag.set(n),
    foreign: (n) => {
      service.metrics.relayForeignMessages.inc(n);
      service.logger.warn({ count: n }, 'relay: skipped messages on its stream that it did not publish');
    },
  };
  const url = await service.listen();
  service.logger.info({ url, context: config.RELAY_CONTEXT, schema: config.DB_SCHEMA }, `relay for ${config.RELAY_CONTEXT} listening on ${url}`);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await runtime.stop();
    await service.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
