import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EventRelay } from '@stockflow/messaging';
import { AdvisoryLeadership, PostgresCheckpointStore } from '@stockflow/postgres';
import type { Service } from '../bootstrap.js';
import { lagReadinessCheck, type ReadinessCheck } from '../health/readiness.js';
import type { EventSourcedInfrastructure } from './infrastructure.js';
import { stuckReadinessCheck } from './relay-stuck-readiness.js';

/** How a context's relay runs, wherever it is hosted (a service's process or the standalone relay app). */
export interface RelaySettings {
  readonly RELAY_BATCH_SIZE: number;
  readonly RELAY_MAX_IN_FLIGHT: number;
  readonly RELAY_MAX_READY_LAG: number;
  readonly RELAY_STUCK_AFTER_MS: number;
  readonly RELAY_ELECTION_INTERVAL_MS: number;
}

/** A process that may run its context's relay (ADR 0043). */
export interface RelayHosting {
  /** The context whose log is relayed, e.g. `inventory`; its log is the process's schema. */
  readonly context: string;
  readonly settings: RelaySettings;
}

/** The relay a process hosts: it leads while it holds its context's lock, and stands by otherwise. */
export interface HostedRelay {
  readonly leadership: AdvisoryLeadership;
  /** The running relay while this process leads, else null. */
  readonly relay: EventRelay | null;
  readonly readinessChecks: Readonly<Record<string, ReadinessCheck>>;
  start(service: Service): void;
  stop(): Promise<void>;
}

/**
 * One relay per context among all the processes that may run it (ADR 0003, 0017, 0043): each
 * replica campaigns for the context's advisory lock; the one that holds it relays the context's log
 * to its stream, the others stand by and take over within `RELAY_ELECTION_INTERVAL_MS` of its
 * death. Two leaders for an instant are safe: every publish expects its predecessor on the stream.
 */
export function hostedRelay(infrastructure: EventSourcedInfrastructure, hosting: RelayHosting): HostedRelay {
  const { pool, schema, scheme, nats } = infrastructure;
  const { context, settings } = hosting;
  let relay: EventRelay | null = null;
  let lag = 0;
  let service: Service | undefined;
  const leadership = new AdvisoryLeadership(pool, `relay:${schema}`, {
    intervalMs: settings.RELAY_ELECTION_INTERVAL_MS,
    onChange: (leading) => {
      service?.metrics.relayLeader.set(leading ? 1 : 0);
      service?.logger.info({ context, leading }, leading ? 'relay: leading (holds the relay lock)' : 'relay: standing by');
    },
    onError: (error) => service?.logger.warn({ err: error }, 'relay: leadership check failed'),
  });
  const lead = async (signal: AbortSignal): Promise<void> => {
    const metrics = service!.metrics;
    const logger = service!.logger;
    const current = new EventRelay({
      store: infrastructure.relayLog,
      // Its own table: on EventStoreDB the schema holds no log that would have created it (ADR 0046).
      checkpoints: await PostgresCheckpointStore.create(pool, schema),
      js: jetstream(nats),
      jsm: await jetstreamManager(nats),
      context,
      scheme,
      batchSize: settings.RELAY_BATCH_SIZE,
      maxInFlight: settings.RELAY_MAX_IN_FLIGHT,
      observer: {
        published: (n) => metrics.relayPublished.inc(n),
        lag: (n) => {
          lag = n;
          metrics.relayLag.set(n);
        },
        foreign: (n) => {
          metrics.relayForeignMessages.inc(n);
          logger.warn({ count: n }, 'relay: skipped messages on its stream that it did not publish');
        },
        error: (error) => logger.warn({ err: error }, 'relay: publish failed; resuming from the stream'),
      },
    });
    await current.start();
    relay = current;
    try {
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    } finally {
      relay = null;
      lag = 0;
      metrics.relayLag.set(0);
      await current.stop();
    }
  };
  return {
    leadership,
    get relay() {
      return relay;
    },
    readinessChecks: {
      // A standby has no lag of its own: the leader's readiness speaks for the context's relay.
      relayLag: lagReadinessCheck(() => lag, { maxLag: settings.RELAY_MAX_READY_LAG }),
      relayStuck: stuckReadinessCheck({ stalledForMs: () => relay?.stalledForMs() ?? 0 }, settings.RELAY_STUCK_AFTER_MS),
    },
    start(running: Service) {
      service = running;
      running.metrics.relayLeader.set(0);
      leadership.start(lead);
    },
    stop: () => leadership.stop(),
  };
}
