import type { DynamicModule, Type } from '@nestjs/common';
import { contextSubjectPrefix, stockflowCatalog } from '@stockflow/contracts';
import { JetStreamTransport, RethrowToConsumer, contextStreamSpec, type RetryPolicy } from '@stockflow/messaging';
import { createService, type OpenApiOptions, type Service } from '../bootstrap.js';
import type { LogLevel } from '../logging/logger.js';
import { consumerObserver } from '../metrics/consumer-observer.js';
import { dependencyUnavailableOf } from '../problem-details/dependency-unavailable.js';
import { ServiceMetrics } from '../metrics/service-metrics.js';
import { connectInfrastructure, InfrastructureModule, type EventSourcedInfrastructure } from './infrastructure.js';
import { meteredEventStore } from './metered-event-store.js';

/**
 * One durable consumer of another context's events; the service's `@EventPattern` handlers are
 * keyed by event type. It reads `<CONTEXT>_EVENTS`, filtered to `[<ns>.]<context>.<aggregate>.>`.
 */
export interface ConsumerSpec {
  readonly sourceContext: string;
  /** Narrows the consumer to one aggregate's events, e.g. `sku`. */
  readonly aggregate?: string;
  readonly durable: string;
  readonly retry?: RetryPolicy;
  readonly ackWaitMs?: number;
}

export interface EventSourcedServiceConfig {
  readonly PORT: number;
  readonly HOST: string;
  readonly DATABASE_URL: string;
  readonly DB_SCHEMA: string;
  readonly NATS_URL: string;
  /** The process's NATS user and password (ADR 0020); unset: anonymous (development). */
  readonly NATS_USER?: string;
  readonly NATS_PASSWORD?: string;
  readonly LOG_LEVEL: LogLevel;
  /** Subject namespace shared with the relays (tests and tenants on one NATS server). */
  readonly NATS_NAMESPACE?: string;
}

export interface RunEventSourcedServiceOptions {
  readonly name: string;
  readonly config: EventSourcedServiceConfig & object;
  /** The service's root module, given the connected infrastructure. */
  readonly module: (infrastructure: EventSourcedInfrastructure) => Type<unknown> | DynamicModule;
  readonly openApi?: OpenApiOptions;
  readonly consumers?: readonly ConsumerSpec[];
  /** Overrides config.PORT (tests pass a free port). */
  readonly port?: number;
  /** Stops the process on SIGTERM/SIGINT. Default true; tests that run the service in-process pass false. */
  readonly handleSignals?: boolean;
}

export interface RunningService {
  readonly service: Service;
  readonly infrastructure: EventSourcedInfrastructure;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts an event-sourced stockflow service: its PostgreSQL schema (event store, HTTP idempotency,
 * inbox), its NATS connection, the platform defaults, its durable consumers, and its HTTP port.
 * Stops in reverse order: consumers drain, HTTP closes, connections end.
 */
export async function runEventSourcedService(options: RunEventSourcedServiceOptions): Promise<RunningService> {
  const { name, config } = options;
  const infrastructure = await connectInfrastructure({ name, ...config });
  let service: Service | undefined;
  try {
    const metrics = new ServiceMetrics();
    const store = meteredEventStore(infrastructure.store, metrics);
    service = await createService({
      name,
      config,
      port: options.port,
      module: { module: class EventSourcedServiceRoot {}, imports: [InfrastructureModule.forRoot(infrastructure, store), options.module(infrastructure)] },
      openApi: options.openApi,
      pool: infrastructure.pool,
      nats: infrastructure.nats,
      idempotency: infrastructure.idempotency,
      metrics,
      shutdownHooks: false,
    });
    const scheme = config.NATS_NAMESPACE ? { namespace: config.NATS_NAMESPACE } : {};
    for (const consumer of options.consumers ?? []) {
      const source = contextStreamSpec(consumer.sourceContext, scheme);
      const prefix = contextSubjectPrefix(consumer.sourceContext, scheme);
      const microservice = service.app.connectMicroservice(
        {
          strategy: new JetStreamTransport({
            connection: infrastructure.nats,
            catalog: stockflowCatalog,
            stream: source.name,
            sourceStream: source,
            durable: consumer.durable,
            filterSubject: consumer.aggregate ? `${prefix}.${consumer.aggregate}.>` : undefined,
            scheme,
            retry: consumer.retry,
            ackWaitMs: consumer.ackWaitMs,
            observer: consumerObserver(service.metrics, service.logger, consumer.durable),
            isOutage: (error) => dependencyUnavailableOf(error) !== null,
          }),
        },
        // Not inheriting the HTTP pipes and filters: a handler's error must reach the consumer,
        // which decides between retry and dead letter.
        // Deferred, so that the filter below is registered before the listeners are.
        { inheritAppConfig: false, deferInitialization: true },
      );
      microservice.useGlobalFilters(new RethrowToConsumer());
    }
    await service.app.startAllMicroservices();
    const url = await service.listen();
    let stopped: Promise<void> | undefined;
    const running: RunningService = {
      service,
      infrastructure,
      url,
      stop: () =>
        (stopped ??= (async () => {
          await service!.close();
          await infrastructure.close();
        })()),
    };
    if (options.handleSignals ?? true) {
      const onSignal = (): void => void running.stop().then(() => process.exit(0));
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    }
    return running;
  } catch (error) {
    await service?.close().catch(() => undefined);
    await infrastructure.close();
    throw error;
  }
}
