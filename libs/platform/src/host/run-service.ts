import type { DynamicModule, Type } from '@nestjs/common';
import { contextSubjectPrefix, stockflowCatalog } from '@stockflow/contracts';
import { JetStreamTransport, RethrowToConsumer, contextStreamSpec, type HandlerConcurrency, type RetryPolicy } from '@stockflow/messaging';
import { createService, type Service } from '../bootstrap.js';
import type { OpenApiOptions } from '../openapi/openapi-document.js';
import { eventLogReadinessCheck, type ReadinessCheck } from '../health/readiness.js';
import type { LogLevel } from '../logging/logger.js';
import { consumerObserver } from '../metrics/consumer-observer.js';
import { dependencyUnavailableOf } from '../problem-details/dependency-unavailable.js';
import { ServiceMetrics } from '../metrics/service-metrics.js';
import { connectInfrastructure, InfrastructureModule, type EventLogRole, type EventSourcedInfrastructure } from './infrastructure.js';
import { poolRoundTrips } from '@stockflow/postgres';
import { shutdownTelemetry } from '../tracing/telemetry.js';
import { meteredEventStore } from './metered-event-store.js';
import { hostedRelay, type HostedRelay, type RelayHosting } from './hosted-relay.js';
import type { RequestBounds } from '../request-shape/request-bounds.js';
import type { Migration } from '@stockflow/postgres';
import type { EsdbClient } from '@stockflow/eventstoredb';

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
  /** Handlers of different keys at once (ADR 0040); one message at a time without it. */
  readonly concurrency?: HandlerConcurrency;
}

export interface HostedServiceConfig {
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
  readonly NATS_STREAM_REPLICAS?: number;
  readonly EVENTSTORE_URL?: string;
  readonly EVENTSTORE_STREAM_PREFIX?: string;
  readonly APPEND_BATCH_MAX?: number;
  readonly DB_POOL_MAX?: number;
  /** How long a client may take to send a whole request; 408 after (ADR 0022). */
  readonly HTTP_REQUEST_TIMEOUT_MS?: number;
  /** Lease of an Idempotency-Key claim (ADR 0022). */
  readonly IDEMPOTENCY_LEASE_MS?: number;
}

/** What the host has built when it asks for a process's module. */
export interface HostParts {
  readonly infrastructure: EventSourcedInfrastructure;
  /** The process's metrics registry (served at /metrics). */
  readonly metrics: ServiceMetrics;
}

/** A process's own long-running work beside its HTTP port (a relay, projectors): stopped first. */
export interface HostedWork {
  stop(): Promise<void>;
}

/** The options every app's `start<App>(config, options)` passes on: tests run in-process with them. */
export interface StartOptions {
  /** Overrides config.PORT (0: any free port). */
  readonly port?: number;
  /** Stops the process on SIGTERM/SIGINT. Default true; tests that run the process in-process pass false. */
  readonly handleSignals?: boolean;
  /**
   * The context's log on EventStoreDB through this client, as EVENTSTORE_URL would put it (tests:
   * the in-process model of the server, `@stockflow/eventstoredb/testing`).
   */
  readonly eventStoreDbClient?: EsdbClient;
}

export interface RunServiceOptions<TWork extends HostedWork = HostedWork> extends StartOptions {
  readonly name: string;
  readonly config: HostedServiceConfig & object;
  /** The process's root module, given the connected infrastructure and its metrics. */
  readonly module: (parts: HostParts) => Type<unknown> | DynamicModule;
  readonly openApi?: OpenApiOptions;
  /**
   * The process's request bounds for every route that declares none with `@BoundedRequest`
   * (ADR 0022); the platform's defaults (16 KiB, 100 items per array, depth 32) otherwise.
   */
  readonly requestBounds?: Partial<RequestBounds>;
  readonly consumers?: readonly ConsumerSpec[];
  /** What the process does with its schema's event log (see EventLogRole); default `writer`. */
  readonly eventLog?: EventLogRole;
  /** The process's own tables, migrated in its schema before the module starts. */
  readonly migrations?: readonly Migration[];
  /**
   * Who in the process commits events together with its own rows (e.g. `the notifications API`): it
   * refuses to start, in one line, on a log without transactions (EventStoreDB, ADR 0046).
   */
  readonly needsTransactions?: string;
  /**
   * The process may run its schema's relay (ADR 0043): it campaigns for the context's relay lock
   * and relays while it holds it. Unset: the log is relayed elsewhere (the standalone relay app).
   */
  readonly relay?: RelayHosting;
  /** The process's metrics registry, when parts built before the host update it; a new one by default. */
  readonly metrics?: ServiceMetrics;
  readonly readinessChecks?: (parts: HostParts) => Readonly<Record<string, ReadinessCheck>>;
  /** Starts the process's own work once the service (logger, metrics) exists and before it listens. */
  readonly work?: (parts: HostParts & { readonly service: Service }) => Promise<TWork>;
}

export interface RunningService<TWork extends HostedWork = HostedWork> {
  readonly service: Service;
  readonly infrastructure: EventSourcedInfrastructure;
  readonly url: string;
  /** What `work` started (nothing when it was not given). */
  readonly work: TWork;
  stop(): Promise<void>;
}

const NO_WORK: HostedWork = { stop: async () => undefined };

/**
 * The one host of every stockflow process (services, the notifier, projections, relays): its pool
 * and NATS connection (one each), its schema's event log in the role it asks for, the platform's
 * HTTP defaults, its durable consumers, its own work, and its HTTP port. Stops in reverse order:
 * its work and consumers stop, HTTP closes, connections end.
 */
export async function runService<TWork extends HostedWork = HostedWork>(options: RunServiceOptions<TWork>): Promise<RunningService<TWork>> {
  const { name, config } = options;
  const eventLog = options.eventLog ?? 'writer';
  let relay: HostedRelay | undefined;
  const infrastructure = await connectInfrastructure(
    { name, ...config },
    {
      eventLog,
      migrations: options.migrations,
      relayLog: options.relay ? { leading: () => relay?.leadership.leading ?? false } : undefined,
      eventStoreDbClient: options.eventStoreDbClient,
      needsTransactions: options.needsTransactions,
    },
  );
  let service: Service | undefined;
  let work: TWork | undefined;
  try {
    const metrics = options.metrics ?? new ServiceMetrics();
    metrics.watchConnections(() => poolRoundTrips(infrastructure.pool), () => infrastructure.nats.stats());
    const parts: HostParts = { infrastructure, metrics };
    if (options.relay) relay = hostedRelay(infrastructure, options.relay);
    const store = eventLog === 'writer' ? meteredEventStore(infrastructure.store, metrics) : undefined;
    service = await createService({
      name,
      config,
      port: options.port,
      module: { module: class HostedServiceRoot {}, imports: [InfrastructureModule.forRoot(infrastructure, store), options.module(parts)] },
      openApi: options.openApi,
      bodyLimit: options.requestBounds?.maxBodyBytes,
      requestShape: { maxBodyDepth: options.requestBounds?.maxDepth, maxArrayItems: options.requestBounds?.maxArrayItems },
      pool: infrastructure.pool,
      nats: infrastructure.nats,
      idempotency: eventLog === 'writer' ? infrastructure.idempotency : undefined,
      readinessChecks: {
        ...(infrastructure.logLocation.kind === 'eventstoredb' && eventLog !== 'none'
          ? { eventStoreDb: eventLogReadinessCheck(infrastructure.store, infrastructure.logLocation.streamPrefix) }
          : {}),
        ...relay?.readinessChecks,
        ...options.readinessChecks?.(parts),
      },
      metrics,
      shutdownHooks: false,
    });
    const scheme = infrastructure.scheme;
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
            concurrency: consumer.concurrency,
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
    relay?.start(service);
    if (options.work) work = await options.work({ ...parts, service });
    const url = await service.listen();
    let stopped: Promise<void> | undefined;
    const running: RunningService<TWork> = {
      service,
      infrastructure,
      url,
      work: work ?? (NO_WORK as TWork),
      stop: () =>
        (stopped ??= (async () => {
          await work?.stop();
          await relay?.stop();
          await service!.close();
          await infrastructure.close();
        })()),
    };
    if (options.handleSignals ?? true) {
      // Spans still batched leave before the process does (ADR 0037).
      const onSignal = (): void => void running.stop().then(() => shutdownTelemetry()).then(() => process.exit(0));
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    }
    return running;
  } catch (error) {
    await work?.stop().catch(() => undefined);
    await relay?.stop().catch(() => undefined);
    await service?.close().catch(() => undefined);
    await infrastructure.close();
    throw error;
  }
}
