import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Buckets of OpenTelemetry's `http.server.request.duration`, in seconds. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export interface ServiceMetricsOptions {
  /** Collect prom-client's default process metrics (CPU, memory, event loop, GC). Default true. */
  readonly defaultMetrics?: boolean;
  /** Labels added to every series of this registry, e.g. `{ service: 'inventory' }`. None by default. */
  readonly defaultLabels?: Record<string, string>;
}

/**
 * The Prometheus metrics of one service, in a registry of its own (never prom-client's global one,
 * so several apps can live in one process, as in tests). Other components update the named metrics:
 * the event store counts appends, the relay sets its lag, consumers count what they handled.
 */
export class ServiceMetrics {
  readonly registry: Registry;

  /** `http_server_request_duration_seconds{method,route,status_code}` — route is the route pattern. */
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** `events_appended_total{stream_category}` — events written to the event store. */
  readonly eventsAppended: Counter<'stream_category'>;
  /** `relay_lag_events` — events in the store the outbox relay has not published yet. */
  readonly relayLag: Gauge;
  /** `relay_published_total` — events the relay published to NATS. */
  readonly relayPublished: Counter;
  /** `relay_leader` — 1 while this process runs its context's relay (ADR 0043), 0 while it stands by. */
  readonly relayLeader: Gauge;
  /** `relay_foreign_messages_total` — messages on the relay's stream that are not its own (skipped). */
  readonly relayForeignMessages: Counter;
  /** `consumer_lag_messages{consumer}` — messages pending for a consumer. */
  readonly consumerLag: Gauge<'consumer'>;
  /** `consumer_handled_total{consumer,outcome}` — messages a consumer handled, by outcome. */
  readonly consumerHandled: Counter<'consumer' | 'outcome'>;
  /** `dead_letters_total{consumer,reason}` — messages a consumer gave up on. */
  readonly deadLetters: Counter<'consumer' | 'reason'>;

  constructor(options: ServiceMetricsOptions = {}) {
    const registry = new Registry();
    this.registry = registry;
    if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
    const registers = [registry];
    this.httpRequestDuration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    });
    this.eventsAppended = new Counter({
      name: 'events_appended_total',
      help: 'Events appended to the event store, by stream category.',
      labelNames: ['stream_category'] as const,
      registers,
    });
    this.relayLag = new Gauge({
      name: 'relay_lag_events',
      help: 'Events stored but not yet published by the outbox relay.',
      registers,
    });
    this.relayPublished = new Counter({
      name: 'relay_published_total',
      help: 'Events published to NATS by the outbox relay.',
      registers,
    });
    this.relayLeader = new Gauge({
      name: 'relay_leader',
      help: "1 while this process runs its context's relay (it holds the relay's lock), 0 while it stands by.",
      registers,
    });
    this.relayForeignMessages = new Counter({
      name: 'relay_foreign_messages_total',
      help: "Messages found on the relay's stream that it did not publish from its log (foreign or malformed); skipped.",
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'consumer_lag_messages',
      help: 'Messages pending for a consumer.',
      labelNames: ['consumer'] as const,
      registers,
    });
    this.consumerHandled = new Counter({
      name: 'consumer_handled_total',
      help: 'Messages handled by a consumer, by outcome.',
      labelNames: ['consumer', 'outcome'] as const,
      registers,
    });
    this.deadLetters = new Counter({
      name: 'dead_letters_total',
      help: 'Messages a consumer dead-lettered, by reason.',
      labelNames: ['consumer', 'reason'] as const,
      registers,
    });
  }

  /** The `Content-Type` of `metrics()`: Prometheus text format 0.0.4. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric of this registry in the Prometheus text format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * The process's round trips to PostgreSQL (`pg_round_trips_total`, from `poolRoundTrips`) and its
   * NATS client's messages (`nats_client_messages_total{direction}`: published, including JetStream
   * publishes, acks, pull requests and nudges; received, including deliveries and replies): what the
   * benchmark's cost model divides per command.
   */
  watchConnections(roundTripsSoFar: () => number, natsStats: () => { inMsgs: number; outMsgs: number }): void {
    let counted = 0;
    new Counter({
      name: 'pg_round_trips_total',
      help: 'Statements this process sent to PostgreSQL (one round trip each).',
      registers: [this.registry],
      collect() {
        const now = roundTripsSoFar();
        this.inc(Math.max(0, now - counted));
        counted = now;
      },
    });
    const seen = { in: 0, out: 0 };
    new Counter({
      name: 'nats_client_messages_total',
      help: "Messages this process's NATS connection published (out) and received (in).",
      labelNames: ['direction'] as const,
      registers: [this.registry],
      collect() {
        const stats = natsStats();
        this.inc({ direction: 'out' }, Math.max(0, stats.outMsgs - seen.out));
        this.inc({ direction: 'in' }, Math.max(0, stats.inMsgs - seen.in));
        seen.out = stats.outMsgs;
        seen.in = stats.inMsgs;
      },
    });
  }

  /** Records one HTTP request; `route` must be the route pattern (`/orders/:id`), never the raw URL. */
  observeHttpRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpRequestDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }
}
